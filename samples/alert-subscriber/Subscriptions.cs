namespace LlmOps.Samples.AlertSubscriber;

/// <summary>
/// The platform's topics this sample subscribes to, the route Dapr delivers each to, and the event types it knows
/// (docs/topics.md). Types it does not know are accepted and flagged: the platform adds types over time, and an old
/// subscriber must not reject or endlessly retry them.
/// </summary>
public static class Subscriptions
{
    public const string AlertsTopic = "llmops.alerts";
    public const string ActionsTopic = "llmops.actions";

    public static readonly IReadOnlyList<(string Topic, string Route)> All =
    [
        (AlertsTopic, "/alerts"),
        (ActionsTopic, "/actions"),
    ];

    public static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> KnownTypes = new Dictionary<string, IReadOnlySet<string>>
    {
        [AlertsTopic] = new HashSet<string>
        {
            "io.llmops.alert.fired",
            "io.llmops.alert.resolved",
        },
        [ActionsTopic] = new HashSet<string>
        {
            "io.llmops.action.retrieval_improvement_requested",
            "io.llmops.action.prompt_revision_requested",
            "io.llmops.action.prompt_rollback_requested",
            "io.llmops.action.route_adjustment_requested",
            "io.llmops.action.knowledge_gap_detected",
            "io.llmops.action.fine_tune_examples_curated",
            "io.llmops.action.fine_tune_dataset_ready",
            "io.llmops.action.optimization_action_proposed",
        },
    };

    public static bool IsKnown(string topic, string type) => KnownTypes.TryGetValue(topic, out var types) && types.Contains(type);
}
