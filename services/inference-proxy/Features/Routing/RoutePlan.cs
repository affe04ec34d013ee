namespace LlmOps.InferenceProxy.Features.Routing;

/// <summary>Where one request may go, in the order to try: the strategy's choice first, then the rest, then fallbacks.</summary>
public sealed record RoutePlan(string Route, string Strategy, IReadOnlyList<DeploymentOptions> Candidates);
