namespace LlmOps.InferenceProxy.Infrastructure;

/// <summary>A prompt of one project; its versions are immutable, its labels point at them.</summary>
public sealed class PromptRecord
{
    public required string ProjectId { get; set; }
    public required string Name { get; set; }

    /// <summary><c>approval</c> (default): rollbacks requested by the loop wait for a person; <c>auto</c>: applied at once.</summary>
    public string Policy { get; set; } = PromptPolicies.Approval;

    public DateTime CreatedAt { get; set; }
}

public static class PromptPolicies
{
    public const string Auto = "auto";
    public const string Approval = "approval";
}

public sealed class PromptVersionRecord
{
    public required string ProjectId { get; set; }
    public required string Name { get; set; }
    public int Version { get; set; }

    /// <summary>JSON array of {role, content} with <c>{{variable}}</c> placeholders.</summary>
    public required string Messages { get; set; }

    public string? Model { get; set; }

    /// <summary>JSON object of default request parameters (temperature, max_tokens, ...).</summary>
    public string? Parameters { get; set; }

    /// <summary>JSON schema the answer must follow, sent as response_format when the request sets none.</summary>
    public string? ResponseSchema { get; set; }

    public string? CommitMessage { get; set; }
    public required string Author { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>Where a label points: one version, or a split of traffic between versions (JSON).</summary>
public sealed class PromptLabelRecord
{
    public required string ProjectId { get; set; }
    public required string Name { get; set; }
    public required string Label { get; set; }

    /// <summary>JSON: <c>{"version":3}</c> or <c>{"split":[{"version":2,"weight":90},{"version":3,"weight":10}]}</c>.</summary>
    public required string Target { get; set; }

    public DateTime UpdatedAt { get; set; }
    public required string UpdatedBy { get; set; }
}

/// <summary>The audit trail of label moves: who, when, why, from, to (and the loop action that asked, if any).</summary>
public sealed class PromptLabelEventRecord
{
    public Guid Id { get; set; }
    public required string ProjectId { get; set; }
    public required string Name { get; set; }
    public required string Label { get; set; }
    public string? FromTarget { get; set; }
    public required string ToTarget { get; set; }
    public required string Actor { get; set; }
    public string? Reason { get; set; }
    public Guid? ActionId { get; set; }
    public DateTime At { get; set; }
}

/// <summary>A rollback the loop controller asked for, and what became of it.</summary>
public sealed class PromptActionRecord
{
    public Guid ActionId { get; set; }
    public required string ProjectId { get; set; }
    public required string Name { get; set; }
    public required string Label { get; set; }
    public int FromVersion { get; set; }
    public int ToVersion { get; set; }
    public required string Reason { get; set; }
    public required string Evidence { get; set; }

    /// <summary>One of <see cref="PromptActionStatuses"/>.</summary>
    public required string Status { get; set; }

    public string? DecidedBy { get; set; }
    public string? DecisionReason { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? DecidedAt { get; set; }
}

public static class PromptActionStatuses
{
    public const string Pending = "pending";
    public const string Applied = "applied";
    public const string Approved = "approved";
    public const string Rejected = "rejected";

    /// <summary>The label no longer pointed where the action expected: applying it would undo someone's later move.</summary>
    public const string Stale = "stale";
}
