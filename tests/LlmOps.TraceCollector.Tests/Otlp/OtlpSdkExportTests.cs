using System.Diagnostics;
using System.Text.Json.Nodes;
using LlmOps.TraceCollector.Features.Otlp;
using LlmOps.TraceCollector.Infrastructure;
using LlmOps.Testing;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LlmOps.TraceCollector.Tests.Otlp;

/// <summary>The official OpenTelemetry .NET SDK exporting GenAI spans over OTLP/HTTP protobuf, read back from the database.</summary>
public sealed class OtlpSdkExportTests(OtlpHost host) : IClassFixture<OtlpHost>
{
    private sealed record Exported(string TraceId, string ChatId, string RetrievalId);

    private Exported ExportChatWithRetrieval(string key)
    {
        using var source = new ActivitySource($"LlmOps.Tests.Otlp.{Guid.NewGuid():N}");
        using var provider = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("rag-app"))
            .AddSource(source.Name)
            .AddOtlpExporter(o =>
            {
                o.Endpoint = new Uri(host.BaseAddress, OtlpTracesEndpoint.Route);
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Headers = $"Authorization=Bearer {key}";
            })
            .Build();

        Exported exported;
        using (var chat = source.StartActivity("chat gpt-4o", ActivityKind.Client)!)
        {
            chat.SetTag("gen_ai.operation.name", "chat");
            chat.SetTag("gen_ai.provider.name", "openai");
            chat.SetTag("gen_ai.request.model", "gpt-4o");
            chat.SetTag("gen_ai.response.model", "gpt-4o-2024-08-06");
            chat.SetTag("gen_ai.usage.input_tokens", 1200);
            chat.SetTag("gen_ai.usage.output_tokens", 300);
            chat.SetTag("gen_ai.usage.cache_read.input_tokens", 1000);
            chat.SetTag("gen_ai.request.temperature", 0.2);
            chat.SetTag("gen_ai.response.time_to_first_chunk", 0.25);
            chat.SetTag("gen_ai.conversation.id", "conv-42");
            chat.SetTag("gen_ai.input.messages",
                """[{"role":"user","parts":[{"type":"text","content":"What is our refund policy?"}]}]""");
            chat.SetTag("gen_ai.output.messages",
                """[{"role":"assistant","parts":[{"type":"text","content":"Refunds are possible within 30 days."}],"finish_reason":"stop"}]""");
            using (var retrieval = source.StartActivity("retrieval kb-main")!)
            {
                retrieval.SetTag("gen_ai.operation.name", "retrieval");
                retrieval.SetTag("gen_ai.data_source.id", "kb-main");
                retrieval.SetTag("gen_ai.retrieval.query.text", "refund policy");
                retrieval.SetTag("gen_ai.retrieval.documents",
                    """[{"id":"doc-1","score":0.92,"content":"Refunds within 30 days."},{"id":"doc-2","score":0.71,"content":"Shipping takes 5 days."}]""");
                exported = new Exported(chat.TraceId.ToHexString(), chat.SpanId.ToHexString(), retrieval.SpanId.ToHexString());
            }
            chat.AddEvent(new ActivityEvent("cache.lookup", tags: new ActivityTagsCollection { ["cache.hit"] = false }));
            chat.AddEvent(new ActivityEvent("gen_ai.evaluation.result", tags: new ActivityTagsCollection
            {
                ["gen_ai.evaluation.name"] = "relevance", ["gen_ai.evaluation.score.value"] = 0.9,
            }));
            chat.SetStatus(ActivityStatusCode.Ok);
        }

        // The exporter returns once the collector answered, and the collector answers once the spans are committed.
        Assert.True(provider.ForceFlush(30_000), "the OTLP exporter did not flush");
        return exported;
    }

    [Fact]
    public async Task A_chat_span_with_a_child_retrieval_lands_as_a_generation_and_a_retrieval()
    {
        var exported = ExportChatWithRetrieval(OtlpHost.KeyOfA);

        var observations = await host.ObservationsAsync("project-a", exported.TraceId);
        var chat = Assert.Single(observations, o => o.Id == exported.ChatId);
        Assert.Equal(ObservationTypes.Generation, chat.Type);
        Assert.Equal("chat gpt-4o", chat.Name);
        Assert.Null(chat.ParentId);
        Assert.Equal("gpt-4o-2024-08-06", chat.Model);
        Assert.Equal("openai", chat.Provider);
        Assert.Equal(1200, chat.InputTokens);
        Assert.Equal(300, chat.OutputTokens);
        Assert.Equal(1000, chat.CachedInputTokens);
        Assert.False(chat.UsageEstimated);
        Assert.Equal("ok", chat.Status);
        Assert.Equal(250, (chat.CompletionStartTime!.Value - chat.StartTime!.Value).TotalMilliseconds, 1);
        Assert.Contains("What is our refund policy?", chat.Input);
        Assert.Contains("within 30 days", chat.Output);

        var metadata = JsonNode.Parse(chat.Metadata!)!;
        Assert.Equal("rag-app", metadata["resource"]!["service.name"]!.GetValue<string>());
        Assert.StartsWith("LlmOps.Tests.Otlp.", metadata["scope"]!["name"]!.GetValue<string>());
        Assert.Equal("client", metadata["spanKind"]!.GetValue<string>());
        // The requested model lost to the response model for the column, and stays visible here.
        Assert.Equal("gpt-4o", metadata["gen_ai.request.model"]!.GetValue<string>());
        Assert.Equal(0.2, metadata["gen_ai.request.temperature"]!.GetValue<double>());
        Assert.Null(metadata["gen_ai.usage.input_tokens"]);
        var evaluation = Assert.Single(metadata["evaluations"]!.AsArray())!;
        Assert.Equal("relevance", evaluation["attributes"]!["gen_ai.evaluation.name"]!.GetValue<string>());

        var retrieval = Assert.Single(observations, o => o.Id == exported.RetrievalId);
        Assert.Equal(ObservationTypes.Retrieval, retrieval.Type);
        Assert.Equal(exported.ChatId, retrieval.ParentId);
        Assert.Equal("refund policy", retrieval.Input);
        var documents = JsonNode.Parse(retrieval.Output!)!.AsArray();
        Assert.Equal(2, documents.Count);
        Assert.Equal("Refunds within 30 days.", documents[0]!["content"]!.GetValue<string>());
        Assert.Equal("kb-main", JsonNode.Parse(retrieval.Metadata!)!["dataSourceId"]!.GetValue<string>());

        // Span events become event observations; evaluation results do not (they stay in the span's metadata).
        var spanEvent = Assert.Single(observations, o => o.Type == ObservationTypes.Event);
        Assert.Equal("cache.lookup", spanEvent.Name);
        Assert.Equal(exported.ChatId, spanEvent.ParentId);
        Assert.Equal(3, observations.Count);

        var trace = await host.TraceAsync("project-a", exported.TraceId);
        Assert.NotNull(trace);
        Assert.Equal("conv-42", trace.SessionId);
        // The evaluation result is also a score of the chat span.
        var score = Assert.Single(await host.ScoresAsync("project-a", exported.TraceId));
        Assert.Equal(("relevance", 0.9, exported.ChatId, "eval"), (score.Name, score.Value, score.ObservationId, score.Source));
        Assert.Equal("chat gpt-4o", trace.Name);
    }

    [Fact]
    public async Task Retrieved_documents_sent_over_otlp_reach_the_completed_trace()
    {
        var exported = ExportChatWithRetrieval(OtlpHost.KeyOfA);

        var completed = await Eventually.UntilAsync(
            () => Task.FromResult(host.Completed.LastOrDefault(c => c.TraceId == exported.TraceId)),
            TimeSpan.FromSeconds(20), "the trace to complete");

        Assert.Equal("project-a", completed.ProjectId);
        Assert.Equal("kb-main", completed.DataSourceId);
        Assert.Equal(["Refunds within 30 days.", "Shipping takes 5 days."], completed.RetrievedDocuments.Select(d => d.Content));
        Assert.Equal(1200, completed.InputTokens);
        Assert.Equal(("gpt-4o", "gpt-4o-2024-08-06"), (completed.Model, completed.ResponseModel));
    }
}
