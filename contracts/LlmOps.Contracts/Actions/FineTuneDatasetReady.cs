namespace LlmOps.Contracts.Actions;

/// <summary>A curated fine-tune dataset reached its target size and can be exported.</summary>
public sealed record FineTuneDatasetReady
{
    public required Guid ActionId { get; init; }
    public required string ProjectId { get; init; }
    public required Guid DatasetId { get; init; }
    public string? Model { get; init; }
    public int ExampleCount { get; init; }

    /// <summary>Export format, e.g. <c>openai-chat</c>.</summary>
    public required string Format { get; init; }

    /// <summary>Relative API path that serves the export.</summary>
    public required string ExportPath { get; init; }

    public required DateTimeOffset ReadyAt { get; init; }
}
