using System.Diagnostics.Metrics;
using LlmOps.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Online;

/// <summary>
/// Online evaluation must never stall silently (the anchors' most reported complaint): how many traces this replica
/// holds, how far behind it is (trace completed → scored), when it last finished a batch, and whether it is stuck
/// (holding traces without finishing any for <see cref="EvaluatorOptions.StallSeconds"/>). Exposed as metrics and at
/// <c>GET /api/evaluators/status</c>.
/// </summary>
public sealed class EvaluationProgress
{
    /// <summary>The checks and lexical metrics, in batches.</summary>
    public const string LexicalLane = "lexical";

    /// <summary>LLM judges, one trace at a time on their own queue.</summary>
    public const string JudgeLane = "judge";

    private static readonly Histogram<double> LagHistogram = LlmOpsTelemetry.Meter.CreateHistogram<double>("llmops.evaluator.lag", "ms",
        "From a trace's completion to its scores");
    private static readonly Counter<long> Traces = LlmOpsTelemetry.Meter.CreateCounter<long>("llmops.evaluator.traces", null,
        "Traces the evaluator received, by outcome (evaluated, skipped, failed)");
    private static readonly Counter<long> Scores = LlmOpsTelemetry.Meter.CreateCounter<long>("llmops.evaluator.scores", null,
        "Scores recorded, by name and status");

    private readonly TimeProvider _clock;
    private readonly KeyValuePair<string, object?> _laneTag;
    private readonly int _stallSeconds;
    private readonly double[] _recentLags = new double[1024];
    private readonly Lock _gate = new();
    private long _inFlight, _received, _evaluated, _skipped, _failed, _scores, _lagCount;
    private DateTimeOffset _lastFinished;
    private DateTimeOffset? _lastTraceCompletedAt;
    private DateTimeOffset _busySince;
    private double _lastLagMs;

    public EvaluationProgress(TimeProvider clock, IOptions<EvaluatorOptions> options, string lane)
    {
        _clock = clock;
        Lane = lane;
        _laneTag = new KeyValuePair<string, object?>("lane", lane);
        _stallSeconds = options.Value.StallSeconds;
        _lastFinished = clock.GetUtcNow();
        LlmOpsTelemetry.Meter.CreateObservableGauge("llmops.evaluator.backlog", () => new Measurement<long>(Interlocked.Read(ref _inFlight), _laneTag),
            null, "Traces received and not yet evaluated by this replica");
        LlmOpsTelemetry.Meter.CreateObservableGauge("llmops.evaluator.stalled", () => new Measurement<int>(Stalled ? 1 : 0, _laneTag), null,
            "1 while this replica holds traces without finishing any");
    }

    public string Lane { get; }

    public void Started(int traces)
    {
        if (Interlocked.Add(ref _inFlight, traces) == traces && traces > 0)
            lock (_gate)
                _busySince = _clock.GetUtcNow();
        Interlocked.Add(ref _received, traces);
    }

    public void Finished(int evaluated, int skipped, IEnumerable<(string Name, string Status)> scores, IEnumerable<DateTimeOffset> completedAt)
    {
        var now = _clock.GetUtcNow();
        Interlocked.Add(ref _inFlight, -(evaluated + skipped));
        Interlocked.Add(ref _evaluated, evaluated);
        Interlocked.Add(ref _skipped, skipped);
        Traces.Add(evaluated, new KeyValuePair<string, object?>("outcome", "evaluated"), _laneTag);
        Traces.Add(skipped, new KeyValuePair<string, object?>("outcome", "skipped"), _laneTag);
        foreach (var group in scores.GroupBy(s => s))
        {
            Interlocked.Add(ref _scores, group.Count());
            Scores.Add(group.Count(), new KeyValuePair<string, object?>("name", group.Key.Name), new KeyValuePair<string, object?>("status", group.Key.Status), _laneTag);
        }
        lock (_gate)
        {
            foreach (var completed in completedAt)
            {
                var lag = Math.Max(0, (now - completed).TotalMilliseconds);
                LagHistogram.Record(lag, _laneTag);
                _recentLags[_lagCount++ % _recentLags.Length] = lag;
                _lastLagMs = lag;
                if (_lastTraceCompletedAt is null || completed > _lastTraceCompletedAt)
                    _lastTraceCompletedAt = completed;
            }
            _lastFinished = now;
        }
    }

    public void Failed(int traces)
    {
        Interlocked.Add(ref _inFlight, -traces);
        Interlocked.Add(ref _failed, traces);
        Traces.Add(traces, new KeyValuePair<string, object?>("outcome", "failed"), _laneTag);
    }

    /// <summary>
    /// How far behind the lane is, in seconds, for EvaluatorProgressReported: 0 while it holds nothing; otherwise the
    /// larger of the last scored trace's lag and the time since the lane last made progress (finished a batch, or
    /// went from idle to busy), so a stuck lane's lag grows by the second.
    /// </summary>
    public double LagSeconds()
    {
        if (Interlocked.Read(ref _inFlight) <= 0)
            return 0;
        lock (_gate)
        {
            var progress = _lastFinished > _busySince ? _lastFinished : _busySince;
            return Math.Round(Math.Max(_lastLagMs / 1000, Math.Max(0, (_clock.GetUtcNow() - progress).TotalSeconds)), 3);
        }
    }

    public long Backlog => Math.Max(0, Interlocked.Read(ref _inFlight));

    public bool Stalled => Interlocked.Read(ref _inFlight) > 0 && (_clock.GetUtcNow() - _lastFinished).TotalSeconds > _stallSeconds;

    public object Snapshot()
    {
        double[] lags;
        DateTimeOffset lastFinished;
        DateTimeOffset? lastCompleted;
        lock (_gate)
        {
            lags = _recentLags.Take((int)Math.Min(_lagCount, _recentLags.Length)).Order().ToArray();
            lastFinished = _lastFinished;
            lastCompleted = _lastTraceCompletedAt;
        }
        return new
        {
            lane = Lane,
            backlog = Interlocked.Read(ref _inFlight),
            stalled = Stalled,
            received = Interlocked.Read(ref _received),
            evaluated = Interlocked.Read(ref _evaluated),
            skipped = Interlocked.Read(ref _skipped),
            failed = Interlocked.Read(ref _failed),
            scores = Interlocked.Read(ref _scores),
            lastFinishedAt = lastFinished,
            lastTraceCompletedAt = lastCompleted,
            lagMs = lags.Length == 0 ? null : new { p50 = Percentile(lags, 0.5), p95 = Percentile(lags, 0.95), max = lags[^1], samples = lags.Length },
        };
    }

    private static double Percentile(double[] sorted, double q) => Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))], 1);
}
