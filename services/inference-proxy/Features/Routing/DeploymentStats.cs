using System.Collections.Concurrent;

namespace LlmOps.InferenceProxy.Features.Routing;

/// <summary>
/// Moving average (exponentially weighted, α = 0.2) of each deployment's upstream latency on successful attempts,
/// for the lowest-latency strategy.
/// </summary>
public sealed class DeploymentStats
{
    private const double Alpha = 0.2;
    private readonly ConcurrentDictionary<string, double> _latencyMs = new(StringComparer.Ordinal);

    public void RecordSuccess(string deployment, TimeSpan latency) =>
        _latencyMs.AddOrUpdate(deployment, latency.TotalMilliseconds,
            (_, average) => average + Alpha * (latency.TotalMilliseconds - average));

    /// <summary>Null until the deployment has answered once.</summary>
    public double? LatencyMs(string deployment) => _latencyMs.TryGetValue(deployment, out var average) ? average : null;
}
