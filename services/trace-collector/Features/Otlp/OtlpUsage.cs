using System.Text.Json;

namespace LlmOps.TraceCollector.Features.Otlp;

/// <summary>
/// Token counts from the conventions senders use, converted to the store's: input INCLUDES cache reads and output
/// INCLUDES reasoning (OpenTelemetry's convention; see docs/tracing.md, "Token convention").
/// </summary>
public readonly record struct OtlpUsage(long? Input, long? Output, long? Cached, long? Reasoning)
{
    public const string LangfuseUsageDetails = "langfuse.observation.usage_details";

    public static OtlpUsage From(OtlpAttributes attributes)
    {
        // OTel GenAI (current, then deprecated names) and OpenInference all count the whole prompt, cache reads included.
        var input = attributes.Long("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt");
        var output = attributes.Long("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion");
        var cached = attributes.Long("gen_ai.usage.cache_read.input_tokens", "llm.token_count.prompt_details.cache_read");
        var reasoning = attributes.Long("gen_ai.usage.reasoning.output_tokens", "llm.token_count.completion_details.reasoning");

        if (input is null && output is null && Langfuse(attributes) is { } langfuse)
        {
            cached ??= langfuse.Cached;
            reasoning ??= langfuse.Reasoning;
            // Langfuse's usage details exclude cache reads from input and reasoning from output: add them back.
            input = langfuse.Input is { } i ? i + (langfuse.Cached ?? 0) : null;
            output = langfuse.Output is { } o ? o + (langfuse.Reasoning ?? 0) : null;
            return new OtlpUsage(input, output, cached, reasoning);
        }

        // Under the including convention a part never exceeds its whole. When it does, the sender copied a provider's
        // excluding count (Anthropic's input_tokens leaves cache reads out) into an including attribute: add the part.
        if (input is { } all && cached is { } reads && reads > all)
            input = all + reads;
        if (output is { } produced && reasoning is { } thought && thought > produced)
            output = produced + thought;
        return new OtlpUsage(input, output, cached, reasoning);
    }

    /// <summary>
    /// Langfuse's <c>usage_details</c> JSON: {"input", "output", "input_cached_tokens" | "cache_read_input_tokens",
    /// "output_reasoning_tokens"}.
    /// </summary>
    private static OtlpUsage? Langfuse(OtlpAttributes attributes)
    {
        if (attributes.PeekString(LangfuseUsageDetails) is not { } text)
            return null;
        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return null;
            var usage = new OtlpUsage(
                Count(root, "input"),
                Count(root, "output"),
                Count(root, "input_cached_tokens") ?? Count(root, "cache_read_input_tokens") ?? Count(root, "input_cache_read"),
                Count(root, "output_reasoning_tokens") ?? Count(root, "output_reasoning"));
            if (usage.Input is null && usage.Output is null)
                return null;
            attributes.MarkMapped(LangfuseUsageDetails);
            return usage;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static long? Count(JsonElement usage, string name) =>
        usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= 0 ? n : null;
}
