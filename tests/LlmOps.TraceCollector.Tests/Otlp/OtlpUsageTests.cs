using Google.Protobuf.Collections;
using LlmOps.TraceCollector.Features.Otlp;
using LlmOps.TraceCollector.Features.Otlp.Proto;

namespace LlmOps.TraceCollector.Tests.Otlp;

/// <summary>The token convention: stored input includes cache reads, stored output includes reasoning.</summary>
public sealed class OtlpUsageTests
{
    private static OtlpUsage UsageOf(params (string Key, object Value)[] attributes)
    {
        var values = new RepeatedField<KeyValue>();
        foreach (var (key, value) in attributes)
            values.Add(OtlpRequests.Attribute(key, value));
        return OtlpUsage.From(new OtlpAttributes(values));
    }

    [Fact]
    public void OTel_input_tokens_already_include_cache_reads_and_are_kept()
    {
        var usage = UsageOf(("gen_ai.usage.input_tokens", 1200), ("gen_ai.usage.cache_read.input_tokens", 1000), ("gen_ai.usage.output_tokens", 80));

        Assert.Equal(new OtlpUsage(1200, 80, 1000, null), usage);
    }

    [Fact]
    public void Current_names_win_over_deprecated_and_openinference_ones()
    {
        var usage = UsageOf(("gen_ai.usage.input_tokens", 10), ("gen_ai.usage.prompt_tokens", 20), ("llm.token_count.prompt", 30),
            ("gen_ai.usage.completion_tokens", 5), ("llm.token_count.completion", 6));

        Assert.Equal(new OtlpUsage(10, 5, null, null), usage);
    }

    [Fact]
    public void Cache_reads_larger_than_input_reveal_an_excluding_count_and_are_added()
    {
        // An instrumentation copying Anthropic's input_tokens (cache reads left out) into gen_ai.usage.input_tokens.
        var usage = UsageOf(("gen_ai.usage.input_tokens", 12), ("gen_ai.usage.cache_read.input_tokens", 3000), ("gen_ai.usage.output_tokens", 40));

        Assert.Equal(3012, usage.Input);
        Assert.Equal(3000, usage.Cached);
    }

    [Fact]
    public void Langfuse_usage_details_exclude_cache_reads_and_reasoning_and_are_converted()
    {
        var usage = UsageOf(("langfuse.observation.usage_details",
            """{"input":2140,"input_cached_tokens":1024,"output":96,"output_reasoning_tokens":310,"total":3570}"""));

        Assert.Equal(new OtlpUsage(3164, 406, 1024, 310), usage);
    }

    [Fact]
    public void Counts_sent_as_doubles_or_strings_are_read_and_negative_ones_ignored()
    {
        var usage = UsageOf(("gen_ai.usage.input_tokens", 42.0), ("gen_ai.usage.output_tokens", "7"), ("gen_ai.usage.reasoning.output_tokens", -1));

        Assert.Equal(new OtlpUsage(42, 7, null, null), usage);
    }
}
