using System.Diagnostics;
using LlmOps.Contracts.Cost;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Inference;

/// <summary>
/// What the producers publish, shaped as they publish it: cost-accountant's CostRecordedBatch, the evaluator's
/// ScoreRecordedBatch, the gateway's InferenceCompletedBatch, 100 events each, over 50 projects × 5 models, 3 features and
/// two prompt versions. Stamped now, so they land in the current minute as live traffic does. The background never
/// breaches the bench's rules (1 % hallucinated, costs of a few cents, latencies under 3 s, 2 % upstream errors);
/// <see cref="HallucinationBurst"/> and <see cref="CostBurst"/> do, for one project, in one message.
/// </summary>
internal static class Traffic
{
    public const int EventsPerMessage = 100;
    private static readonly string[] Projects = [.. Enumerable.Range(0, 50).Select(i => $"project-{i}")];
    private static readonly (string Model, string Provider, decimal InPerToken, decimal OutPerToken)[] Models =
    [
        ("gpt-4o", "openai", 2.5m / 1e6m, 10m / 1e6m),
        ("gpt-4o-mini", "openai", 0.15m / 1e6m, 0.6m / 1e6m),
        ("claude-sonnet", "anthropic", 3m / 1e6m, 15m / 1e6m),
        ("llama-70b", "vllm", 0.6m / 1e6m, 0.6m / 1e6m),
        ("mistral-large", "mistral", 2m / 1e6m, 6m / 1e6m),
    ];
    private static readonly string[] Features = ["chat", "search", "summary"];
    private static readonly string[] ScoreNames = ["hallucination", "faithfulness", "answer_relevance"];

    /// <summary>The <paramref name="sequence"/>-th message of the stream: costs, scores and inferences in turn.</summary>
    public static object Message(long sequence) => (sequence % 3) switch
    {
        0 => new CostRecordedBatch { Costs = [.. Enumerable.Range(0, EventsPerMessage).Select(_ => Cost(Pick(Projects), usdEach: null))] },
        1 => new ScoreRecordedBatch { Scores = [.. Enumerable.Range(0, EventsPerMessage).Select(_ => Score(Pick(Projects), hallucinated: Random.Shared.Next(100) == 0))] },
        _ => new InferenceCompletedBatch { Inferences = [.. Enumerable.Range(0, EventsPerMessage).Select(_ => Inference(Pick(Projects)))] },
    };

    /// <summary>100 hallucinated answers in one project: a rate of 1 over 100 samples, credibly above any threshold.</summary>
    public static ScoreRecordedBatch HallucinationBurst(string project) =>
        new() { Scores = [.. Enumerable.Range(0, EventsPerMessage).Select(_ => Score(project, hallucinated: true))] };

    /// <summary>100 long-context calls at $6 each in one project: $600 at once, over the bench's $500-in-2-minutes rule.</summary>
    public static CostRecordedBatch CostBurst(string project) =>
        new() { Costs = [.. Enumerable.Range(0, EventsPerMessage).Select(_ => Cost(project, usdEach: 6m))] };

    private static T Pick<T>(T[] items) => items[Random.Shared.Next(items.Length)];

    private static CostRecorded Cost(string project, decimal? usdEach)
    {
        var (model, provider, inPrice, outPrice) = Pick(Models);
        long input = Random.Shared.Next(200, 4_000), output = Random.Shared.Next(20, 800), cached = input / 4;
        var inputCost = (input - cached) * inPrice;
        var cachedCost = cached * inPrice / 2;
        var outputCost = output * outPrice;
        return new CostRecorded
        {
            InferenceId = Guid.CreateVersion7(), ProjectId = project, TraceId = ActivityTraceId.CreateRandom().ToHexString(),
            KeyId = "key-" + project, UserId = "u-" + Random.Shared.Next(1_000), Feature = Pick(Features), PromptName = "support",
            PromptVersion = Random.Shared.Next(1, 3), Deployment = provider + "-main", Provider = provider, Model = model,
            InputTokens = input, OutputTokens = output, CachedInputTokens = cached, Priced = true,
            InputCost = inputCost, CachedInputCost = cachedCost, OutputCost = outputCost, TotalCost = usdEach ?? inputCost + cachedCost + outputCost,
            PriceId = model + "@2026-11-01", OccurredAt = DateTimeOffset.UtcNow,
        };
    }

    private static ScoreRecorded Score(string project, bool hallucinated)
    {
        var name = hallucinated ? "hallucination" : Pick(ScoreNames);
        var value = hallucinated ? 0.1 : Math.Round(0.6 + Random.Shared.NextDouble() * 0.4, 3);
        return new ScoreRecorded
        {
            ScoreId = Guid.CreateVersion7(), ProjectId = project, TraceId = ActivityTraceId.CreateRandom().ToHexString(),
            ObservationId = ActivitySpanId.CreateRandom().ToHexString(), Name = name, DataType = ScoreDataTypes.Numeric, Value = value,
            Label = name == "hallucination" ? hallucinated ? "hallucinated" : "grounded" : null,
            Explanation = hallucinated ? "The answer cites a refund policy the context does not contain." : null,
            Source = ScoreSources.Eval, EvaluatorName = name, EvaluatorVersion = "3", RubricVersion = "2", JudgeModel = "gpt-4o-mini",
            PromptName = "support", PromptVersion = Random.Shared.Next(1, 3), Model = Pick(Models).Model, Feature = Pick(Features),
            RecordedAt = DateTimeOffset.UtcNow,
        };
    }

    private static InferenceCompleted Inference(string project)
    {
        var (model, provider, _, _) = Pick(Models);
        var now = DateTimeOffset.UtcNow;
        var latency = Math.Exp(5.5 + Random.Shared.NextDouble() * 2); // 245 ms – 1.8 s
        var failed = Random.Shared.Next(50) == 0;
        return new InferenceCompleted
        {
            InferenceId = Guid.CreateVersion7(), ProjectId = project, KeyId = "key-" + project, UserId = "u-" + Random.Shared.Next(1_000),
            Feature = Pick(Features), TraceId = ActivityTraceId.CreateRandom().ToHexString(), SpanId = ActivitySpanId.CreateRandom().ToHexString(),
            PromptName = "support", PromptVersion = Random.Shared.Next(1, 3), Route = model, Deployment = provider + "-main", Provider = provider,
            RequestedModel = model, ServedModel = model, Streamed = Random.Shared.Next(2) == 0,
            Usage = new TokenUsage { InputTokens = Random.Shared.Next(200, 4_000), OutputTokens = failed ? 0 : Random.Shared.Next(20, 800) },
            StartedAt = now.AddMilliseconds(-latency), CompletedAt = now, LatencyMs = latency, TimeToFirstTokenMs = latency / 4, OverheadMs = 0.2,
            Status = failed ? InferenceStatuses.UpstreamError : InferenceStatuses.Success, HttpStatus = failed ? 502 : 200,
            ErrorType = failed ? "upstream_error" : null, FinishReason = failed ? null : "stop",
            CacheStatus = Random.Shared.Next(5) == 0 ? CacheStatuses.Hit : CacheStatuses.Miss,
        };
    }
}
