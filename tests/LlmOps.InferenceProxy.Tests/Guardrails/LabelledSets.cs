using System.Text.Json;

namespace LlmOps.InferenceProxy.Tests.Guardrails;

/// <summary>The labelled evaluation sets under Data/ (built by hand for these measurements; see docs/guardrails.md).</summary>
public static class LabelledSets
{
    public sealed record GuardrailCase(string Id, string Text, bool Injection, string[] Pii);

    public sealed record ParaphrasePair(string Id, string A, string B, bool Same);

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>The development set: the detectors were tuned after a first run on it.</summary>
    public static IReadOnlyList<GuardrailCase> GuardrailCases() => Read<GuardrailCase>("guardrail-cases.jsonl");

    /// <summary>The held-out set: written without sight of the detectors or the development set, never tuned on.</summary>
    public static IReadOnlyList<GuardrailCase> HoldoutCases() => Read<GuardrailCase>("guardrail-holdout.jsonl");

    public static IReadOnlyList<ParaphrasePair> ParaphrasePairs() => Read<ParaphrasePair>("paraphrase-pairs.jsonl");

    private static List<T> Read<T>(string file) =>
        File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Data", file))
            .Where(line => line.Length > 0)
            .Select(line => JsonSerializer.Deserialize<T>(line, Options)!)
            .ToList();
}
