using LlmOps.Alerting.Features.Rules;

namespace LlmOps.Alerting.Features.Engine;

/// <summary>What the engine asks of the metric windows: a rule's series at a moment, its condition already applied.</summary>
public interface IMetricSource
{
    IReadOnlyList<SeriesObservation> Observe(AlertRule rule, DateTimeOffset now);
}
