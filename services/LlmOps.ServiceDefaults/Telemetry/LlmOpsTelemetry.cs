using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace LlmOps.ServiceDefaults.Telemetry;

/// <summary>The platform's own ActivitySource and Meter; services add instruments to <see cref="Meter"/>.</summary>
public static class LlmOpsTelemetry
{
    public const string Name = "LlmOps";

    public static readonly ActivitySource ActivitySource = new(Name);
    public static readonly Meter Meter = new(Name);
}
