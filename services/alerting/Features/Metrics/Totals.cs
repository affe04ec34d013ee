using LlmOps.Alerting.Features.Rules;

namespace LlmOps.Alerting.Features.Metrics;

/// <summary>One group's cells added up over a window, and the metric's value from them.</summary>
internal sealed class Totals
{
    private double _cost, _gauge;
    private long _unpriced, _budget, _finished, _failed, _lookups, _hits, _scores, _scoreFailures;
    private LatencyHistogram? _latency;

    public static Totals Gauge(double value) => new() { _gauge = value };

    /// <summary>Whether a cell carries anything of this metric (a cost-only series is not an error_rate series).</summary>
    public static bool Present(SeriesCell cell, MetricQuery metric) => metric.Kind switch
    {
        MetricKind.Cost => cell.PricedCalls > 0,
        MetricKind.UnpricedModel => cell.UnpricedCalls > 0,
        MetricKind.BudgetEvent => cell.BudgetEvents > 0,
        MetricKind.ErrorRate => cell.Finished > 0,
        MetricKind.LatencyPercentile => cell.Latency is { Count: > 0 },
        MetricKind.CacheHitRate => cell.CacheLookups > 0,
        MetricKind.ScoreRate => cell.Scores is { Count: > 0 },
        _ => false,
    };

    public void Add(SeriesCell cell, MetricQuery metric)
    {
        switch (metric.Kind)
        {
            case MetricKind.Cost: _cost += cell.Cost; break;
            case MetricKind.UnpricedModel: _unpriced += cell.UnpricedCalls; break;
            case MetricKind.BudgetEvent: _budget += cell.BudgetEvents; break;
            case MetricKind.ErrorRate: _finished += cell.Finished; _failed += cell.Failed; break;
            case MetricKind.CacheHitRate: _lookups += cell.CacheLookups; _hits += cell.CacheHits; break;
            case MetricKind.LatencyPercentile: (_latency ??= new LatencyHistogram()).Merge(cell.Latency!); break;
            case MetricKind.ScoreRate:
                _scores += cell.Scores!.Count;
                _scoreFailures += cell.Scores.Failures(metric.Below, metric.ScoreLabel);
                break;
        }
    }

    public double Value(MetricQuery metric) => metric.Kind switch
    {
        MetricKind.Cost => _cost,
        MetricKind.UnpricedModel => _unpriced,
        MetricKind.BudgetEvent => _budget,
        MetricKind.LatencyPercentile => _latency?.Percentile(metric.Percentile ?? 95) ?? double.NaN,
        MetricKind.ErrorRate or MetricKind.ScoreRate or MetricKind.CacheHitRate => Ratio(metric),
        _ => _gauge,
    };

    /// <summary>Failures (errors, failing scores, cache hits) ÷ samples; NaN with no samples, which no condition holds on.</summary>
    public double Ratio(MetricQuery metric) => Samples(metric) is > 0 and var n ? (double)Failures(metric) / n : double.NaN;

    public long Failures(MetricQuery metric) => metric.Kind switch
    {
        MetricKind.ErrorRate => _failed,
        MetricKind.ScoreRate => _scoreFailures,
        MetricKind.CacheHitRate => _hits,
        _ => 0,
    };

    public long Samples(MetricQuery metric) => metric.Kind switch
    {
        MetricKind.ErrorRate => _finished,
        MetricKind.ScoreRate => _scores,
        MetricKind.CacheHitRate => _lookups,
        _ => 0,
    };
}
