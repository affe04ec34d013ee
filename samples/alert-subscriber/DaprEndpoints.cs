using System.Buffers;
using Microsoft.Extensions.Options;

namespace LlmOps.Samples.AlertSubscriber;

/// <summary>
/// Dapr's side of the contract, over plain HTTP (no Dapr SDK needed): <c>GET /dapr/subscribe</c> lists the
/// subscriptions, and Dapr POSTs each CloudEvent to the topic's route.
/// </summary>
/// <remarks>
/// Every delivery is answered 200 with a status body, never 4xx: Dapr treats any non-2xx answer (other than 404) as
/// "retry", so a poison event answered 400 would come back forever. Malformed, oversized or non-JSON bodies are DROP
/// (dead-lettered when the component has <c>enableDeadLetter</c>); only a failing handler asks for RETRY.
/// </remarks>
public static class DaprEndpoints
{
    public static IEndpointRouteBuilder MapDaprSubscriber(this IEndpointRouteBuilder app)
    {
        app.MapGet("/dapr/subscribe", (IOptions<SubscriberOptions> options) =>
            options.Value is { ProgrammaticSubscriptions: true, Mode: SubscriberOptions.Modes.Dapr }
                ? Subscriptions.All.Select(s => new
                {
                    pubsubname = options.Value.PubSubName,
                    topic = s.Topic,
                    routes = new { @default = s.Route },
                }).ToArray()
                // Declared by Subscription resources instead, or not using Dapr at all.
                : []);

        foreach (var (topic, route) in Subscriptions.All)
            app.MapPost(route, (HttpRequest request, EventInbox inbox, IOptions<SubscriberOptions> options, CancellationToken ct) =>
                DeliverAsync(topic, request, inbox, options.Value, ct));

        app.MapGet("/received", (EventInbox inbox) => inbox.Snapshot());
        return app;
    }

    private static async Task<IResult> DeliverAsync(string topic, HttpRequest request, EventInbox inbox, SubscriberOptions options, CancellationToken ct)
    {
        // application/cloudevents+json from Dapr; application/json from a hand-made curl. Anything else is not an event.
        if (!request.HasJsonContentType())
            return Status(Outcome.Drop);

        var body = await ReadAtMostAsync(request, options.MaxEventBytes, ct);
        var outcome = await inbox.ProcessAsync(topic, body, "dapr", ct);
        return Status(outcome);
    }

    /// <summary>Reads one byte past the limit at most, so an oversized body is recognized without being buffered whole.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadAtMostAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Min(limit + 1, 16 * 1024));
        while (buffer.WrittenCount <= limit)
        {
            var want = Math.Min(8192, limit + 1 - buffer.WrittenCount);
            var read = await request.Body.ReadAsync(buffer.GetMemory(want)[..want], ct);
            if (read == 0)
                break;
            buffer.Advance(read);
        }
        return buffer.WrittenMemory;
    }

    private static IResult Status(Outcome outcome) => Results.Ok(new
    {
        status = outcome switch
        {
            Outcome.Success or Outcome.Duplicate => "SUCCESS",
            Outcome.Retry => "RETRY",
            _ => "DROP",
        },
    });
}
