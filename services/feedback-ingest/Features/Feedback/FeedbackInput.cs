using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Feedback;
using LlmOps.FeedbackIngest.Infrastructure;

namespace LlmOps.FeedbackIngest.Features.Feedback;

/// <summary>
/// One feedback as a caller sends it, checked field by field: <c>traceId</c> (and optional <c>observationId</c>),
/// <c>kind</c> (<c>thumbs</c>: value true/false or 1/0; <c>rating</c>: 1 to 5; <c>label</c>; <c>comment</c>;
/// <c>correction</c>: the answer the user wanted), <c>userId</c>, <c>idempotencyKey</c>. The same idempotency key in a
/// project always makes the same feedback id, so sending it twice records it once.
/// </summary>
public static class FeedbackInput
{
    public const int MaxCommentChars = 4_000;
    public const int MaxCorrectionChars = 32_000;

    private static readonly string[] Kinds = [FeedbackKinds.Thumbs, FeedbackKinds.Rating, FeedbackKinds.Label, FeedbackKinds.Comment, FeedbackKinds.Correction];

    public static (FeedbackRecord? Record, string? Problem) Read(JsonElement item, string projectId, DateTime now)
    {
        if (item.ValueKind != JsonValueKind.Object)
            return (null, "A feedback is a JSON object.");
        var traceId = Text(item, "traceId");
        if (traceId is not { Length: > 0 and <= 64 })
            return (null, "traceId is required (1 to 64 characters).");
        var observationId = Text(item, "observationId");
        if (observationId is { Length: > 64 })
            return (null, "observationId has at most 64 characters.");
        var kind = Text(item, "kind");
        if (kind is null || !Kinds.Contains(kind))
            return (null, $"kind is one of {string.Join(", ", Kinds)}.");
        var userId = Text(item, "userId");
        var key = Text(item, "idempotencyKey");
        if (userId is { Length: > 256 } || key is { Length: > 128 })
            return (null, "userId has at most 256 characters, idempotencyKey at most 128.");
        var comment = Text(item, "comment");
        if (comment is { Length: > MaxCommentChars })
            return (null, $"comment has at most {MaxCommentChars} characters.");
        var label = Text(item, "label");
        if (label is { Length: > 200 })
            return (null, "label has at most 200 characters.");
        var correction = Text(item, "correction");
        if (correction is { Length: > MaxCorrectionChars })
            return (null, $"correction has at most {MaxCorrectionChars} characters.");
        if (item.TryGetProperty("value", out var raw) && raw.ValueKind is not (JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
            return (null, "value is a number or a boolean.");

        double? value = raw.ValueKind switch
        {
            JsonValueKind.True => 1,
            JsonValueKind.False => 0,
            JsonValueKind.Number => raw.GetDouble(),
            _ => null,
        };
        var problem = kind switch
        {
            FeedbackKinds.Thumbs when value is not (0 or 1) => "A thumbs feedback has value true (up) or false (down).",
            FeedbackKinds.Rating when value is not { } r || r < 1 || r > 5 || !double.IsInteger(r) => "A rating is a whole number from 1 to 5.",
            FeedbackKinds.Label when label is null => "A label feedback needs a label.",
            FeedbackKinds.Comment when comment is null => "A comment feedback needs a comment.",
            FeedbackKinds.Correction when correction is null => "A correction needs the corrected answer in correction.",
            _ => null,
        };
        if (problem is not null)
            return (null, problem);

        return (new FeedbackRecord
        {
            ProjectId = projectId,
            Id = key is null ? Guid.CreateVersion7() : IdFor(projectId, key),
            TraceId = traceId,
            ObservationId = observationId,
            Kind = kind,
            Value = kind is FeedbackKinds.Thumbs or FeedbackKinds.Rating ? value : null,
            Label = label,
            Comment = comment,
            Correction = correction,
            UserId = userId,
            IdempotencyKey = key,
            ReceivedAt = now,
        }, null);
    }

    /// <summary>A stable id from the project and the caller's idempotency key.</summary>
    public static Guid IdFor(string projectId, string idempotencyKey) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"feedback/{projectId}/{idempotencyKey}")).AsSpan(0, 16));

    public static FeedbackReceived Message(FeedbackRecord f) => new()
    {
        FeedbackId = f.Id,
        ProjectId = f.ProjectId,
        TraceId = f.TraceId,
        ObservationId = f.ObservationId,
        Kind = f.Kind,
        Value = f.Value,
        Label = f.Label,
        Comment = f.Comment,
        Correction = f.Correction,
        UserId = f.UserId,
        IdempotencyKey = f.IdempotencyKey,
        ReceivedAt = new DateTimeOffset(DateTime.SpecifyKind(f.ReceivedAt, DateTimeKind.Utc)),
    };

    /// <summary>
    /// The human score a feedback makes: thumbs → <c>user_feedback</c> (boolean), rating → <c>user_rating</c> (1–5),
    /// label → <c>user_label</c> (categorical), correction → <c>user_correction</c> (the answer was corrected). A bare comment
    /// is no score. The score id is the feedback id, so a resent feedback updates the same score.
    /// </summary>
    public static ScoreRecorded? Score(FeedbackRecord f)
    {
        var (name, type, value, label) = f.Kind switch
        {
            FeedbackKinds.Thumbs => ("user_feedback", ScoreDataTypes.Boolean, f.Value, (string?)null),
            FeedbackKinds.Rating => ("user_rating", ScoreDataTypes.Numeric, f.Value, null),
            FeedbackKinds.Label => ("user_label", ScoreDataTypes.Categorical, null, f.Label),
            FeedbackKinds.Correction => ("user_correction", ScoreDataTypes.Boolean, 1d, null),
            _ => (null, null, null, null),
        };
        if (name is null)
            return null;
        return new ScoreRecorded
        {
            ScoreId = f.Id,
            ProjectId = f.ProjectId,
            TraceId = f.TraceId,
            ObservationId = f.ObservationId,
            Name = name,
            DataType = type!,
            Value = value,
            Label = label,
            Explanation = f.Comment,
            Source = ScoreSources.Human,
            RecordedAt = new DateTimeOffset(DateTime.SpecifyKind(f.ReceivedAt, DateTimeKind.Utc)),
        };
    }

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
}
