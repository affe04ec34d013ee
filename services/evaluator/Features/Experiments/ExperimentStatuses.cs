namespace LlmOps.Evaluator.Features.Experiments;

public static class ExperimentStatuses
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
}
