using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>
/// Relays an upstream's server-sent events to the client event by event, as they arrive (nothing is buffered beyond
/// one event), while the accumulator reads usage and text out of them. The usage-only chunk the gateway asked for
/// on the caller's behalf is held back when the caller did not ask for it.
/// </summary>
public static class StreamRelay
{
    public static async Task RelayAsync(HttpContext context, Stream upstream, StreamAccumulator accumulator,
        GatewayCall call, bool callerWantsUsage, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellationToken);

        using var reader = new StreamReader(upstream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 16 * 1024);
        var eventText = new StringBuilder();
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length > 0)
            {
                eventText.Append(line).Append('\n');
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    if (data.Length > 0)
                        data.Append('\n');
                    data.Append(line.AsSpan(line.Length > 5 && line[5] == ' ' ? 6 : 5));
                }
                continue;
            }
            await ForwardEventAsync(response, eventText, data, accumulator, call, callerWantsUsage, cancellationToken);
        }
        if (eventText.Length > 0)
            await ForwardEventAsync(response, eventText, data, accumulator, call, callerWantsUsage, cancellationToken);
    }

    private static async Task ForwardEventAsync(HttpResponse response, StringBuilder eventText, StringBuilder data,
        StreamAccumulator accumulator, GatewayCall call, bool callerWantsUsage, CancellationToken cancellationToken)
    {
        var kind = data.Length > 0 ? accumulator.Observe(data.ToString()) : StreamAccumulator.ChunkKind.Other;
        if (kind == StreamAccumulator.ChunkKind.Content)
            call.MarkFirstToken();
        var forward = kind != StreamAccumulator.ChunkKind.UsageOnly || callerWantsUsage;
        if (forward)
        {
            eventText.Append('\n');
            await response.WriteAsync(eventText.ToString(), cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }
        eventText.Clear();
        data.Clear();
    }
}
