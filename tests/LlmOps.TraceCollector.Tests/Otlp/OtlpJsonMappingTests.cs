using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmOps.TraceCollector.Infrastructure;

namespace LlmOps.TraceCollector.Tests.Otlp;

/// <summary>
/// OTLP/JSON as the spec writes it (hex ids, int64s as strings or numbers, enums as integers), carrying the attribute
/// shapes still in the wild: OpenInference and the deprecated GenAI names.
/// </summary>
public sealed class OtlpJsonMappingTests(OtlpHost host) : IClassFixture<OtlpHost>
{
    private static readonly DateTime Start = DateTime.UnixEpoch.AddTicks(17_310_000_001_234_567);

    private static byte[] Body(string spans) => Encoding.UTF8.GetBytes($$$"""
        {"resourceSpans":[{
          "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"support-bot"}}]},
          "scopeSpans":[{"scope":{"name":"openinference.instrumentation.openai","version":"0.1"},"spans":[{{{spans}}}]}]
        }]}
        """);

    [Fact]
    public async Task OpenInference_llm_and_retriever_spans_in_otlp_json_map_to_a_generation_and_a_retrieval()
    {
        var traceId = OtlpRequests.NewTraceId().ToUpperInvariant();
        var (llm, retriever) = (OtlpRequests.NewSpanId(), OtlpRequests.NewSpanId());
        var body = Body($$$"""
            {"traceId":"{{{traceId}}}","spanId":"{{{llm}}}","name":"ChatCompletion","kind":3,
             "startTimeUnixNano":"1731000000123456700","endTimeUnixNano":1731000001623456700,
             "attributes":[
               {"key":"openinference.span.kind","value":{"stringValue":"LLM"}},
               {"key":"llm.model_name","value":{"stringValue":"gpt-4o-mini"}},
               {"key":"llm.provider","value":{"stringValue":"openai"}},
               {"key":"llm.token_count.prompt","value":{"intValue":"820"}},
               {"key":"llm.token_count.completion","value":{"intValue":120}},
               {"key":"llm.token_count.prompt_details.cache_read","value":{"intValue":"512"}},
               {"key":"llm.token_count.completion_details.reasoning","value":{"intValue":"64"}},
               {"key":"input.value","value":{"stringValue":"How do I reset my password?"}},
               {"key":"output.value","value":{"stringValue":"Use the reset link on the sign-in page."}},
               {"key":"session.id","value":{"stringValue":"sess-7"}},
               {"key":"user.id","value":{"stringValue":"user-9"}},
               {"key":"llmops.feature","value":{"stringValue":"support"}},
               {"key":"llmops.prompt.name","value":{"stringValue":"support-answer"}},
               {"key":"llmops.prompt.version","value":{"intValue":"3"}},
               {"key":"llm.invocation_parameters","value":{"kvlistValue":{"values":[
                 {"key":"temperature","value":{"doubleValue":0.1}},
                 {"key":"stop","value":{"arrayValue":{"values":[{"stringValue":"###"}]} } },
                 {"key":"seed","value":{"bytesValue":"AQID"} } ]} } }
             ],
             "status":{"code":2,"message":"upstream timeout"}},
            {"traceId":"{{{traceId}}}","spanId":"{{{retriever}}}","parentSpanId":"{{{llm}}}","name":"retrieve","kind":1,
             "startTimeUnixNano":"1731000000100000000","endTimeUnixNano":"1731000000120000000",
             "attributes":[
               {"key":"openinference.span.kind","value":{"stringValue":"RETRIEVER"}},
               {"key":"input.value","value":{"stringValue":"password reset"}},
               {"key":"retrieval.documents.1.document.content","value":{"stringValue":"Passwords expire yearly."}},
               {"key":"retrieval.documents.0.document.id","value":{"stringValue":"kb-1"}},
               {"key":"retrieval.documents.0.document.content","value":{"stringValue":"Use the reset link."}},
               {"key":"retrieval.documents.0.document.score","value":{"doubleValue":0.83}},
               {"key":"retrieval.documents.0.document.metadata","value":{"stringValue":"{\"source\":\"faq\"}"}}
             ]}
            """);

        var response = await host.PostAsync(OtlpHost.KeyOfA, body, "application/json; charset=utf-8");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Null(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["partialSuccess"]);

        var observations = await host.ObservationsAsync("project-a", traceId.ToLowerInvariant());
        var generation = Assert.Single(observations, o => o.Id == llm);
        Assert.Equal(ObservationTypes.Generation, generation.Type);
        Assert.Equal("gpt-4o-mini", generation.Model);
        Assert.Equal("openai", generation.Provider);
        // OpenInference's prompt count already includes cache reads: stored as sent.
        Assert.Equal(820, generation.InputTokens);
        Assert.Equal(120, generation.OutputTokens);
        Assert.Equal(512, generation.CachedInputTokens);
        Assert.Equal(64, generation.ReasoningTokens);
        Assert.Equal("How do I reset my password?", generation.Input);
        Assert.Equal("Use the reset link on the sign-in page.", generation.Output);
        Assert.Equal("support-answer", generation.PromptName);
        Assert.Equal(3, generation.PromptVersion);
        Assert.Equal("error", generation.Status);
        Assert.Equal("upstream timeout", generation.StatusMessage);
        // Nanosecond precision survives, also from an int64 sent as a JSON number.
        // Exact to the tick on SQLite; PostgreSQL keeps microseconds.
        Assert.Equal(Start.Ticks / 10, generation.StartTime!.Value.Ticks / 10);
        Assert.Equal(Start.AddSeconds(1.5).Ticks / 10, generation.EndTime!.Value.Ticks / 10);
        var metadata = JsonNode.Parse(generation.Metadata!)!;
        Assert.Equal("support-bot", metadata["resource"]!["service.name"]!.GetValue<string>());
        Assert.Equal("###", metadata["llm.invocation_parameters"]!["stop"]![0]!.GetValue<string>());
        Assert.Equal("AQID", metadata["llm.invocation_parameters"]!["seed"]!.GetValue<string>());
        Assert.Equal("LLM", metadata["openinference.span.kind"]!.GetValue<string>());

        var retrieval = Assert.Single(observations, o => o.Id == retriever);
        Assert.Equal(ObservationTypes.Retrieval, retrieval.Type);
        Assert.Equal(llm, retrieval.ParentId);
        Assert.Equal("password reset", retrieval.Input);
        var documents = JsonNode.Parse(retrieval.Output!)!.AsArray();
        Assert.Equal(2, documents.Count);
        Assert.Equal("kb-1", documents[0]!["id"]!.GetValue<string>());
        Assert.Equal("Use the reset link.", documents[0]!["content"]!.GetValue<string>());
        Assert.Equal(0.83, documents[0]!["score"]!.GetValue<double>());
        Assert.Equal("Passwords expire yearly.", documents[1]!["content"]!.GetValue<string>());

        var trace = await host.TraceAsync("project-a", traceId.ToLowerInvariant());
        Assert.NotNull(trace);
        Assert.Equal(("sess-7", "user-9", "support"), (trace.SessionId, trace.UserId, trace.Feature));
        Assert.Equal("error", trace.Status);
    }

    [Fact]
    public async Task Deprecated_genai_names_map_like_the_current_ones()
    {
        var traceId = OtlpRequests.NewTraceId();
        var spanId = OtlpRequests.NewSpanId();
        var body = Body($$$"""
            {"traceId":"{{{traceId}}}","spanId":"{{{spanId}}}","name":"text_completion claude","kind":3,
             "startTimeUnixNano":"1731000000000000000","endTimeUnixNano":"1731000002000000000",
             "attributes":[
               {"key":"gen_ai.operation.name","value":{"stringValue":"text_completion"}},
               {"key":"gen_ai.system","value":{"stringValue":"anthropic"}},
               {"key":"gen_ai.request.model","value":{"stringValue":"claude-sonnet-4"}},
               {"key":"gen_ai.usage.prompt_tokens","value":{"intValue":"50"}},
               {"key":"gen_ai.usage.completion_tokens","value":{"intValue":"20"}},
               {"key":"enduser.id","value":{"stringValue":"alice"}},
               {"key":"gen_ai.system_instructions","value":{"stringValue":"[{\"type\":\"text\",\"content\":\"Be brief.\"}]"}}
             ]}
            """);

        var response = await host.PostAsync(OtlpHost.KeyOfA, body, OtlpRequests.Json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var generation = Assert.Single(await host.ObservationsAsync("project-a", traceId));
        Assert.Equal(ObservationTypes.Generation, generation.Type);
        Assert.Equal("claude-sonnet-4", generation.Model);
        Assert.Equal("anthropic", generation.Provider);
        Assert.Equal(50, generation.InputTokens);
        Assert.Equal(20, generation.OutputTokens);
        Assert.Equal("ok", generation.Status);
        var metadata = JsonNode.Parse(generation.Metadata!)!;
        Assert.Equal("Be brief.", metadata["systemInstructions"]![0]!["content"]!.GetValue<string>());
        Assert.Equal("alice", (await host.TraceAsync("project-a", traceId))!.UserId);
    }
}
