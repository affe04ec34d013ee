using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using MassTransit.Serialization;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.IntegrationTests;

/// <summary>What the real broker does with bad messages on the collector's queue: park them, keep the good traffic flowing.</summary>
[Collection(DistributedCollection.Name)]
public class QueueTopologyTests(DistributedFixture platform)
{
    private const string Queue = "trace-collector-inference-completed";

    private static InferenceCompleted Sample() => new()
    {
        InferenceId = Guid.CreateVersion7(),
        ProjectId = "project-q",
        TraceId = ActivityTraceId.CreateRandom().ToHexString(),
        SpanId = ActivitySpanId.CreateRandom().ToHexString(),
        RequestedModel = "sim-small",
        StartedAt = DateTimeOffset.UtcNow,
        CompletedAt = DateTimeOffset.UtcNow,
        Status = InferenceStatuses.Success,
    };

    /// <summary>A MassTransit JSON envelope, as any producer in any language would write it.</summary>
    private static string Envelope(string messageType, JsonNode message) => new JsonObject
    {
        ["messageId"] = Guid.NewGuid().ToString(),
        ["messageType"] = new JsonArray(messageType),
        ["message"] = message,
        ["sentTime"] = DateTimeOffset.UtcNow.ToString("O"),
    }.ToJsonString();

    private async Task<string> AssertStillFlowingAsync()
    {
        var good = Sample();
        await platform.Proxy.Services.GetRequiredService<BoundedPublisher>().PublishAsync(good, CancellationToken.None);
        using var admin = platform.Collector.CreateClient();
        await TraceApi.WaitForTraceAsync(admin, good.TraceId, TimeSpan.FromSeconds(30));
        return good.TraceId;
    }

    private async Task<IReadOnlyList<string>> WaitForParkedAsync(string queue, string marker)
    {
        IReadOnlyList<string> parked = [];
        await Eventually.TrueAsync(async () =>
        {
            parked = await TestInfrastructure.GetMessagesAsync(platform.VirtualHost, queue, 50);
            return parked.Any(m => m.Contains(marker, StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(30), $"the message to be parked in {queue}");
        return parked;
    }

    [Fact]
    public async Task Malformed_json_on_the_queue_goes_to_the_error_queue_and_good_messages_keep_flowing()
    {
        var marker = Guid.NewGuid().ToString("N");

        await TestInfrastructure.PublishRawAsync(platform.VirtualHost, Queue, "{\"messageId\": \"" + marker + "\", this is not json");

        await WaitForParkedAsync(Queue + "_error", marker);
        await AssertStillFlowingAsync();
    }

    [Fact]
    public async Task A_message_missing_a_required_field_goes_to_the_error_queue()
    {
        var message = JsonSerializer.SerializeToNode(Sample(), SystemTextJsonMessageSerializer.Options)!.AsObject();
        message.Remove("traceId");
        var marker = message["inferenceId"]!.GetValue<string>();

        await TestInfrastructure.PublishRawAsync(platform.VirtualHost, Queue,
            Envelope("urn:message:LlmOps.Contracts.Inference:InferenceCompleted", message));

        await WaitForParkedAsync(Queue + "_error", marker);
        await AssertStillFlowingAsync();
    }

    [Fact]
    public async Task A_message_of_an_unknown_version_goes_to_the_skipped_queue_untouched()
    {
        var message = JsonSerializer.SerializeToNode(Sample(), SystemTextJsonMessageSerializer.Options)!;
        var marker = message["inferenceId"]!.GetValue<string>();

        await TestInfrastructure.PublishRawAsync(platform.VirtualHost, Queue,
            Envelope("urn:message:LlmOps.Contracts.Inference:InferenceCompletedV9", message));

        await WaitForParkedAsync(Queue + "_skipped", marker);
        await AssertStillFlowingAsync();
    }

    [Fact]
    public async Task A_redelivered_event_is_stored_once()
    {
        var inference = Sample();
        var publisher = platform.Proxy.Services.GetRequiredService<BoundedPublisher>();

        await publisher.PublishAsync(inference, CancellationToken.None);
        await publisher.PublishAsync(inference, CancellationToken.None);
        using var admin = platform.Collector.CreateClient();
        var (_, _) = await TraceApi.WaitForTraceAsync(admin, inference.TraceId, TimeSpan.FromSeconds(30));
        // A later message on the same queue has been handled, so both copies have been.
        await AssertStillFlowingAsync();

        var (trace, _) = await TraceApi.WaitForTraceAsync(admin, inference.TraceId, TimeSpan.FromSeconds(5));
        Assert.Single(trace["observations"]!.AsArray());
    }
}
