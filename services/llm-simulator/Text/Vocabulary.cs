namespace LlmOps.LlmSimulator.Text;

/// <summary>Words the simulator answers with, chosen by a seeded generator: plain, deterministic, countable.</summary>
public static class Vocabulary
{
    private static readonly string[] Words =
    [
        "the", "model", "answer", "is", "based", "on", "context", "data", "result", "value", "system", "request",
        "response", "token", "latency", "quality", "prompt", "version", "trace", "score", "cost", "budget", "alert",
        "retrieval", "document", "query", "evaluation", "feedback", "label", "signal", "metric", "window", "sample",
        "rate", "threshold", "policy", "route", "cache", "guardrail", "project", "feature", "user", "session", "batch",
        "stream", "chunk", "usage", "price", "report", "summary", "insight", "pattern", "example", "reason", "step",
        "plan", "check", "update", "status", "source", "target", "output", "input", "field",
    ];

    /// <summary><paramref name="count"/> words from a generator seeded with <paramref name="seed"/>, space separated.</summary>
    public static string Sentence(ulong seed, int count)
    {
        if (count <= 0)
            return string.Empty;
        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        var words = new string[count];
        for (var i = 0; i < count; i++)
            words[i] = Words[random.Next(Words.Length)];
        words[0] = char.ToUpperInvariant(words[0][0]) + words[0][1..];
        return string.Join(' ', words);
    }
}
