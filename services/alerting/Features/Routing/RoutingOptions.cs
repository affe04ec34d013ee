using LlmOps.Alerting.Features.Rules;

namespace LlmOps.Alerting.Features.Routing;

/// <summary>
/// Where alerts go (<c>Alerting:Route</c>, Alertmanager's routing tree) and what mutes what (<c>Alerting:InhibitRules</c>).
/// Durations are written like the rules file's (<c>30s</c>, <c>5m</c>, <c>4h</c>); matchers like Alertmanager's
/// (<c>severity="critical"</c>, <c>project=~"acme|beta"</c>). Format and examples: docs/alerting-routing.md.
/// </summary>
public sealed class RoutingOptions
{
    public const string Section = "Alerting";

    /// <summary>The root route. With no receiver anywhere, alerts still fire, are stored and published on the bus and topic; nothing pages.</summary>
    public RouteOptions Route { get; set; } = new();

    public List<InhibitRuleOptions> InhibitRules { get; set; } = [];
}

/// <summary>One node of the routing tree. Unset grouping settings are inherited from the parent (the root's from Alertmanager's defaults).</summary>
public sealed class RouteOptions
{
    /// <summary>A name under <c>Alerting:Receivers</c>; inherited when empty.</summary>
    public string? Receiver { get; set; }

    /// <summary>Labels an alert must match to take this route (all of them). The root matches everything.</summary>
    public List<string> Matchers { get; set; } = [];

    /// <summary>Labels alerts are grouped by; <c>...</c> alone groups by every label (each alert its own group).</summary>
    public List<string>? GroupBy { get; set; }

    public string? GroupWait { get; set; }
    public string? GroupInterval { get; set; }
    public string? RepeatInterval { get; set; }

    /// <summary>After matching this route, go on trying its later siblings (Alertmanager's <c>continue</c>).</summary>
    public bool Continue { get; set; }

    public List<RouteOptions> Routes { get; set; } = [];
}

public sealed class InhibitRuleOptions
{
    public List<string> SourceMatchers { get; set; } = [];
    public List<string> TargetMatchers { get; set; } = [];
    public List<string> Equal { get; set; } = [];

    public InhibitRule ToRule() =>
        new(SourceMatchers.Select(Matcher.Parse).ToList(), TargetMatchers.Select(Matcher.Parse).ToList(), Equal.ToList());
}
