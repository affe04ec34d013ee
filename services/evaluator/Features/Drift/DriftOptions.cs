using System.ComponentModel.DataAnnotations;

namespace LlmOps.Evaluator.Features.Drift;

/// <summary>Drift detection settings (<c>Evaluator:Drift</c>; docs/evaluation.md explains each).</summary>
public sealed class DriftOptions
{
    /// <summary>Off: no observations are kept and no pass runs.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the detector compares the windows (the first pass runs one interval after start).</summary>
    [Range(5, 86_400)]
    public int IntervalSeconds { get; set; } = 60;

    /// <summary>The current window: the last this many hours.</summary>
    [Range(1, 24 * 7)]
    public int CurrentHours { get; set; } = 1;

    /// <summary>The baseline window: this many hours right before the current one.</summary>
    [Range(1, 24 * 30)]
    public int BaselineHours { get; set; } = 24;

    /// <summary>Each window needs at least this many traces (for a statistic: traces it applies to) before it is compared.</summary>
    [Range(20, 1_000_000)]
    public int MinSamples { get; set; } = 100;

    /// <summary>No second signal of the same kind and statistic for the same prompt and model within this time.</summary>
    [Range(1, 24 * 60 * 30)]
    public int CooldownMinutes { get; set; } = 60;

    /// <summary>A population-stability index at or above this is a shift (0.1–0.25 moderate, above 0.25 significant, by convention).</summary>
    [Range(0.01, 10.0)]
    public double PsiThreshold { get; set; } = 0.25;

    /// <summary>A response model id absent from the baseline must carry at least this share of current traffic.</summary>
    [Range(0.001, 1.0)]
    public double ServedModelMinShare { get; set; } = 0.05;

    /// <summary>A rate (refusals, failing scores) must also move by at least this much (absolute), not only significantly.</summary>
    [Range(0.0, 1.0)]
    public double MinRateChange { get; set; } = 0.02;
}
