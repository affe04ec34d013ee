namespace LlmOps.Contracts.Prompts;

/// <summary>
/// A prompt got a new version, a label moved, or its policy changed. Every gateway replica reloads that prompt (off the
/// request path) when it hears this; the registry's tables stay the record.
/// </summary>
public sealed record PromptChanged
{
    public required string ProjectId { get; init; }
    public required string PromptName { get; init; }

    /// <summary>One of <see cref="PromptChanges"/>.</summary>
    public required string Change { get; init; }

    public string? Label { get; init; }
    public int? Version { get; init; }
    public string? Actor { get; init; }
    public required DateTimeOffset ChangedAt { get; init; }
}

public static class PromptChanges
{
    public const string VersionCreated = "version_created";
    public const string LabelMoved = "label_moved";
    public const string PolicyChanged = "policy_changed";
    public const string ActionDecided = "action_decided";
}
