namespace LlmOps.Dashboard.Features.Proxy;

/// <summary>
/// Which service owns which <c>/api</c> prefix (from each service's <c>Map*Endpoints</c>). The console only ever calls
/// relative <c>/api/...</c>; in distributed mode the dashboard host forwards each prefix to its owner.
/// </summary>
public static class ApiRoutes
{
    public static readonly IReadOnlyDictionary<string, string[]> PrefixesByService = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["InferenceProxy"] = ["/api/prompts", "/api/projects", "/api/keys", "/api/routes"],
        ["TraceCollector"] = ["/api/traces", "/api/trace-stats", "/api/prompt-stats", "/api/sessions"],
        ["Evaluator"] = ["/api/evaluators", "/api/actions", "/api/datasets", "/api/experiments", "/api/drift"],
        ["FeedbackIngest"] = ["/api/feedback"],
        ["CostAccountant"] = ["/api/costs", "/api/budgets", "/api/prices"],
        ["Alerting"] = ["/api/alerts", "/api/rules", "/api/silences"],
    };
}
