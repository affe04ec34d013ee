using System.ComponentModel.DataAnnotations;

namespace LlmOps.Dashboard;

public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>
    /// Base URLs of the services whose <c>/api</c> routes the dashboard forwards (distributed mode), by service:
    /// <c>InferenceProxy</c>, <c>TraceCollector</c>, <c>Evaluator</c>, <c>FeedbackIngest</c>, <c>CostAccountant</c>,
    /// <c>Alerting</c>. Empty in the embedded platform, where every API is on the same host already.
    /// </summary>
    public Dictionary<string, string> Services { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long a forwarded call may take, headers and body, before the caller gets a 504.</summary>
    [Range(1, 300)]
    public int ProxyTimeoutSeconds { get; set; } = 30;

    /// <summary>How long connecting to a service may take.</summary>
    [Range(1, 60)]
    public int ConnectTimeoutSeconds { get; set; } = 5;
}
