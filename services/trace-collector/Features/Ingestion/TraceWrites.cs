namespace LlmOps.TraceCollector.Features.Ingestion;

/// <summary>
/// One observation as an ingestion path reports it. Null means "not reported here": a write merges into whatever is
/// stored, its non-null values winning, so a create, an update and a redelivery can arrive in any order.
/// </summary>
public sealed record ObservationWrite
{
    public required string ProjectId { get; init; }
    public required string Id { get; init; }
    public required string TraceId { get; init; }
    public string? ParentId { get; init; }
    public string? Type { get; init; }
    public string? Name { get; init; }
    public DateTime? StartTime { get; init; }
    public DateTime? EndTime { get; init; }
    public DateTime? CompletionStartTime { get; init; }
    public string? Model { get; init; }
    public string? Provider { get; init; }
    public string? Deployment { get; init; }
    public string? PromptName { get; init; }
    public int? PromptVersion { get; init; }

    /// <summary>Including cached reads (OpenTelemetry's convention).</summary>
    public long? InputTokens { get; init; }

    /// <summary>Including reasoning tokens.</summary>
    public long? OutputTokens { get; init; }

    public long? CachedInputTokens { get; init; }
    public long? ReasoningTokens { get; init; }
    public bool? UsageEstimated { get; init; }
    public string? Status { get; init; }
    public string? StatusMessage { get; init; }
    public string? Input { get; init; }
    public string? Output { get; init; }

    /// <summary>A JSON object.</summary>
    public string? Metadata { get; init; }

    public Guid? InferenceId { get; init; }

    // What the observation tells about its trace (it fills the trace's fields that nobody set explicitly).
    public string? UserId { get; init; }
    public string? SessionId { get; init; }
    public string? Feature { get; init; }

    /// <summary>A JSON object the trace takes as its metadata when it has none.</summary>
    public string? TraceMetadata { get; init; }

    public ObservationWrite MergedWith(ObservationWrite later) => new()
    {
        ProjectId = ProjectId,
        Id = Id,
        TraceId = later.TraceId,
        ParentId = later.ParentId ?? ParentId,
        Type = later.Type ?? Type,
        Name = later.Name ?? Name,
        StartTime = later.StartTime ?? StartTime,
        EndTime = later.EndTime ?? EndTime,
        CompletionStartTime = later.CompletionStartTime ?? CompletionStartTime,
        Model = later.Model ?? Model,
        Provider = later.Provider ?? Provider,
        Deployment = later.Deployment ?? Deployment,
        PromptName = later.PromptName ?? PromptName,
        PromptVersion = later.PromptVersion ?? PromptVersion,
        InputTokens = later.InputTokens ?? InputTokens,
        OutputTokens = later.OutputTokens ?? OutputTokens,
        CachedInputTokens = later.CachedInputTokens ?? CachedInputTokens,
        ReasoningTokens = later.ReasoningTokens ?? ReasoningTokens,
        UsageEstimated = later.UsageEstimated ?? UsageEstimated,
        Status = later.Status ?? Status,
        StatusMessage = later.StatusMessage ?? StatusMessage,
        Input = later.Input ?? Input,
        Output = later.Output ?? Output,
        Metadata = later.Metadata ?? Metadata,
        InferenceId = later.InferenceId ?? InferenceId,
        UserId = later.UserId ?? UserId,
        SessionId = later.SessionId ?? SessionId,
        Feature = later.Feature ?? Feature,
        TraceMetadata = later.TraceMetadata ?? TraceMetadata,
    };
}

/// <summary>
/// A trace's own fields. <see cref="Explicit"/> writes (the ingest API's trace-create / trace-update) override what is
/// stored; derived ones (what the observations tell) only fill what is still empty. Times always widen.
/// </summary>
public sealed record TraceWrite
{
    public required string ProjectId { get; init; }
    public required string Id { get; init; }
    public bool Explicit { get; init; }
    public string? Name { get; init; }
    public string? UserId { get; init; }
    public string? SessionId { get; init; }
    public string? Feature { get; init; }
    public string? Input { get; init; }
    public string? Output { get; init; }
    public string? Metadata { get; init; }
    public DateTime? StartTime { get; init; }
    public DateTime? EndTime { get; init; }
    public bool Error { get; init; }

    /// <summary>Merges a later write of the same kind (explicit with explicit, derived with derived).</summary>
    public TraceWrite MergedWith(TraceWrite later) => this with
    {
        Name = Explicit ? later.Name ?? Name : Name ?? later.Name,
        UserId = Explicit ? later.UserId ?? UserId : UserId ?? later.UserId,
        SessionId = Explicit ? later.SessionId ?? SessionId : SessionId ?? later.SessionId,
        Feature = Explicit ? later.Feature ?? Feature : Feature ?? later.Feature,
        Input = Explicit ? later.Input ?? Input : Input ?? later.Input,
        Output = Explicit ? later.Output ?? Output : Output ?? later.Output,
        Metadata = Explicit ? later.Metadata ?? Metadata : Metadata ?? later.Metadata,
        StartTime = Min(StartTime, later.StartTime),
        EndTime = Max(EndTime, later.EndTime),
        Error = Error || later.Error,
    };

    private static DateTime? Min(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a < b ? a : b;
    private static DateTime? Max(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;
}

/// <summary>A score as the store keeps it (from ScoreRecorded or the ingest API's score-create).</summary>
public sealed record ScoreWrite
{
    public required string ProjectId { get; init; }
    public required string Id { get; init; }
    public string? TraceId { get; init; }
    public string? ObservationId { get; init; }
    public string? SessionId { get; init; }
    public required string Name { get; init; }
    public required string DataType { get; init; }
    public double? Value { get; init; }
    public string? Label { get; init; }
    public string? Comment { get; init; }
    public required string Source { get; init; }
    public string Status { get; init; } = "ok";
    public string? EvaluatorName { get; init; }
    public string? JudgeModel { get; init; }
    public required DateTime Timestamp { get; init; }
}

/// <summary>Everything one flush writes, in one transaction.</summary>
public sealed class TraceWriteBatch
{
    public List<TraceWrite> Traces { get; } = [];
    public List<ObservationWrite> Observations { get; } = [];
    public List<ScoreWrite> Scores { get; } = [];

    public int Count => Traces.Count + Observations.Count + Scores.Count;

    public void Add(TraceWriteBatch other)
    {
        Traces.AddRange(other.Traces);
        Observations.AddRange(other.Observations);
        Scores.AddRange(other.Scores);
    }
}
