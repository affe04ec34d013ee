namespace LlmOps.LlmSimulator;

/// <summary>Defaults for every request; request headers and in-prompt directives override them per request.</summary>
public sealed class SimulatorOptions
{
    public const string Section = "Simulator";

    /// <summary>When set, requests must carry <c>Authorization: Bearer &lt;ApiKey&gt;</c>, like a real provider.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Models listed by <c>/v1/models</c>. Requests may name any model; the simulator answers as it.</summary>
    /// <remarks>Null until configured: configuration binding appends to an array default instead of replacing it.</remarks>
    public string[]? Models { get; set; }

    public static readonly string[] DefaultModels = ["sim-small", "sim-large", "sim-embed"];

    public string[] EffectiveModels => Models is { Length: > 0 } set ? set : DefaultModels;

    public int TimeToFirstTokenMs { get; set; }
    public int PerTokenMs { get; set; }

    /// <summary>Fixed completion length in tokens; null = derived from the request (8 to 40 tokens).</summary>
    public int? CompletionTokens { get; set; }

    /// <summary>Share of requests (0 to 1) that fail with <see cref="FailureKind"/>, for fault tests and soak runs.</summary>
    public double FailureRate { get; set; }

    public string FailureKind { get; set; } = "500";

    /// <summary>How long a <c>timeout</c> failure holds the request before giving up (the client usually cancels first).</summary>
    public int HangMs { get; set; } = 120_000;

    public int EmbeddingDimensions { get; set; } = 256;

    /// <summary>Scripted answers: the first rule whose regex (case-insensitive) matches the last user message answers with its text.</summary>
    public List<ScriptRule> Rules { get; set; } = [];
}

public sealed class ScriptRule
{
    public string Match { get; set; } = "";
    public string Response { get; set; } = "";
}
