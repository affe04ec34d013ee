using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>
/// Relays a streamed answer to the client chunk by chunk, as the upstream produces them (nothing is buffered beyond one
/// event), while the accumulator reads usage and text out of them. The chunks arrive already in OpenAI's shape (the
/// provider adapter translated them). The usage-only chunk the gateway asked for on the caller's behalf is held back
/// when the caller did not ask for it.
/// </summary>
public static class StreamRelay
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();

    /// <param name="beforeDone">Runs when the upstream's <c>[DONE]</c> arrives, before the caller sees it: whatever must hold
    /// by the time the caller can send its next request (the cache entry) happens here.</param>
    public static async Task RelayAsync(HttpContext context, IAsyncEnumerable<string> chunks, StreamAccumulator accumulator,
        GatewayCall call, bool callerWantsUsage, Action beforeDone, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellationToken);

        await foreach (var data in chunks.WithCancellation(cancellationToken))
        {
            var kind = accumulator.Observe(data);
            if (kind == StreamAccumulator.ChunkKind.Content)
                call.MarkFirstToken();
            if (kind == StreamAccumulator.ChunkKind.UsageOnly && !callerWantsUsage)
                continue;
            if (kind == StreamAccumulator.ChunkKind.Done)
                beforeDone();
            await response.Body.WriteAsync(DataPrefix, cancellationToken);
            await response.Body.WriteAsync(Encoding.UTF8.GetBytes(data), cancellationToken);
            await response.Body.WriteAsync(EventEnd, cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }
    }
}
