using LlmOps.TraceCollector.Infrastructure;

namespace LlmOps.TraceCollector.Tests.Query;

/// <summary>Stored rows with plain defaults, so a test states only the columns its scenario is about.</summary>
public static class Rows
{
    public static readonly DateTime Epoch = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);

    public static TraceRecord Trace(string projectId, string id, DateTime start, string? userId = null, string? sessionId = null,
        string? feature = null, string status = "ok", string? input = null, string? output = null, DateTime? end = null) => new()
    {
        ProjectId = projectId, Id = id, Name = "trace " + id, StartTime = start, EndTime = end, UserId = userId,
        SessionId = sessionId, Feature = feature, Status = status, Input = input, Output = output,
        CreatedAt = start, UpdatedAt = start, LastActivityAt = start, Pending = false,
    };

    public static ObservationRecord Observation(string projectId, string traceId, string id, DateTime? start = null,
        string? parentId = null, string? type = ObservationTypes.Generation, string? model = null, string? promptName = null,
        int? promptVersion = null, long? inputTokens = null, long? outputTokens = null) => new()
    {
        ProjectId = projectId, Id = id, TraceId = traceId, ParentId = parentId, Type = type, Name = "observation " + id,
        StartTime = start, Model = model, PromptName = promptName, PromptVersion = promptVersion,
        InputTokens = inputTokens, OutputTokens = outputTokens,
        CreatedAt = Epoch, UpdatedAt = Epoch,
    };

    public static ScoreRecord Score(string projectId, string id, string name, double? value, string? traceId = null,
        string? observationId = null, string? label = null, string? sessionId = null) => new()
    {
        ProjectId = projectId, Id = id, Name = name, Value = value, Label = label, TraceId = traceId,
        ObservationId = observationId, SessionId = sessionId,
        DataType = label is null ? "numeric" : "categorical", Source = "eval",
        Timestamp = Epoch, CreatedAt = Epoch, UpdatedAt = Epoch,
    };
}
