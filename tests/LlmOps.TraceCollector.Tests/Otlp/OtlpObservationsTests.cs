using System.Text.Json.Nodes;
using LlmOps.TraceCollector.Features.Ingestion;
using LlmOps.TraceCollector.Features.Otlp;
using LlmOps.TraceCollector.Features.Otlp.Proto;
using LlmOps.TraceCollector.Infrastructure;

namespace LlmOps.TraceCollector.Tests.Otlp;

/// <summary>The mapping's bounds and stable ids, without a host (the bodies involved exceed the test host's cap).</summary>
public sealed class OtlpObservationsTests
{
    [Fact]
    public void Oversized_text_is_cut_and_marked_truncated()
    {
        var span = OtlpRequests.Span(OtlpRequests.NewTraceId(), OtlpRequests.NewSpanId(), "big", null,
            ("gen_ai.operation.name", "chat"),
            ("gen_ai.input.messages", new string('a', OtlpObservations.MaxTextChars + 10)),
            ("session.id", new string('s', 300)),
            ("big.attribute", new string('b', OtlpObservations.MaxMetadataValueChars + 1)));
        var batch = new TraceWriteBatch();

        OtlpObservations.AddTo(batch, "project-a", OtlpRequests.Request(span));

        var write = Assert.Single(batch.Observations);
        Assert.Equal(OtlpObservations.MaxTextChars, write.Input!.Length);
        Assert.Equal(256, write.SessionId!.Length);
        var metadata = JsonNode.Parse(write.Metadata!)!;
        Assert.Equal(["attributes", "input", "sessionId"], metadata["truncated"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(OtlpObservations.MaxMetadataValueChars, metadata["big.attribute"]!.GetValue<string>().Length);
    }

    [Fact]
    public void Span_events_get_ids_derived_from_the_span_so_a_resend_rewrites_the_same_rows()
    {
        var span = OtlpRequests.Span(OtlpRequests.NewTraceId(), OtlpRequests.NewSpanId(), "with events");
        span.Events.Add(new Span.Types.Event { Name = "retry", TimeUnixNano = span.StartTimeUnixNano + 1_000 });
        span.Events.Add(new Span.Types.Event { Name = "retry", TimeUnixNano = span.StartTimeUnixNano + 2_000 });
        var first = new TraceWriteBatch();
        var second = new TraceWriteBatch();

        OtlpObservations.AddTo(first, "project-a", OtlpRequests.Request(span));
        OtlpObservations.AddTo(second, "project-a", OtlpRequests.Request(span));

        var events = first.Observations.Where(o => o.Type == ObservationTypes.Event).ToList();
        Assert.Equal(2, events.Select(e => e.Id).Distinct().Count());
        Assert.Equal(events.Select(e => e.Id), second.Observations.Where(o => o.Type == ObservationTypes.Event).Select(e => e.Id));
        Assert.All(events, e => Assert.Equal(16, e.Id.Length));
    }
}
