using System.Text.Json.Nodes;
using LlmOps.InferenceProxy.Features.Providers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.Routing;

/// <summary>
/// Turns a model name into a plan of deployments to try. Strategies order a route's deployments:
/// weighted (a weighted random pick, then the rest by weight), lowest-latency (by moving average, deployments not yet
/// measured first, and one request in 20 in random order so a deployment that was slow gets measured again),
/// lowest-cost (by the estimated price of this request), complexity (small or large by <see cref="ComplexityScorer"/>).
/// Fallbacks follow. Model names without a route go to the deployments listing them, else to those accepting any name.
/// </summary>
public sealed class Router(IOptions<InferenceProxyOptions> options, DeploymentStats stats, IServer server)
{
    private const double ExplorationShare = 0.05;
    private Uri? _selfAddress;

    /// <summary>The plan for <paramref name="model"/>; embeddings skip deployments whose provider has none.</summary>
    public RoutePlan? Plan(string model, JsonObject body, bool embeddings = false)
    {
        var settings = options.Value;
        bool Serves(DeploymentOptions d) => !embeddings || ProviderAdapter.For(d.Provider).SupportsEmbeddings;
        var route = settings.Routes.FirstOrDefault(r => r.Model == model);
        if (route is null)
        {
            var listing = settings.Deployments.Where(d => d.Models.Contains(model, StringComparer.Ordinal) && Serves(d)).ToList();
            var candidates = listing.Count > 0 ? listing : settings.Deployments.Where(d => d.Models.Contains("*") && Serves(d)).ToList();
            return candidates.Count == 0 ? null : new RoutePlan(model, RoutingStrategies.Weighted, Weighted(candidates));
        }

        var primaries = route.Deployments.Select(Deployment).Where(Serves).ToList();
        if (primaries.Count == 0 && route.Fallbacks.Select(Deployment).All(d => !Serves(d)))
            return null;
        var ordered = route.Strategy switch
        {
            RoutingStrategies.LowestLatency => LowestLatency(primaries),
            RoutingStrategies.LowestCost => LowestCost(primaries, body),
            RoutingStrategies.Complexity => ComplexityScorer.Score(body) >= route.ComplexityThreshold
                ? Enumerable.Reverse(primaries).ToList()
                : primaries,
            _ => Weighted(primaries),
        };
        return new RoutePlan(route.Model, route.Strategy, [.. ordered, .. route.Fallbacks.Select(Deployment).Where(Serves)]);
    }

    /// <summary>Model names callers can use: route names and the explicit names deployments list (<c>*</c> is not a model).</summary>
    public IEnumerable<(string Model, string Owner)> ListModels() =>
        options.Value.Routes.Select(r => (r.Model, "route"))
            .Concat(options.Value.Deployments.SelectMany(d => d.Models.Where(m => m != "*").Select(m => (m, d.Name))))
            .DistinctBy(x => x.Item1);

    /// <summary>The upstream URL for an operation (e.g. <c>/chat/completions</c>) on a deployment, in its provider's layout.</summary>
    public Uri UpstreamUri(DeploymentOptions deployment, string operationPath, string model)
    {
        var baseUrl = deployment.BaseUrl.TrimEnd('/');
        if (baseUrl.StartsWith('/'))
            baseUrl = SelfAddress().ToString().TrimEnd('/') + baseUrl;
        return ProviderAdapter.For(deployment.Provider).Endpoint(deployment, baseUrl, operationPath, model);
    }

    private DeploymentOptions Deployment(string name) =>
        options.Value.Deployments.First(d => d.Name == name);

    private static List<DeploymentOptions> Weighted(List<DeploymentOptions> deployments)
    {
        if (deployments.Count <= 1)
            return deployments;
        var total = deployments.Sum(d => d.Weight);
        var pick = Random.Shared.NextDouble() * total;
        var chosen = deployments[^1];
        foreach (var deployment in deployments)
        {
            pick -= deployment.Weight;
            if (pick < 0)
            {
                chosen = deployment;
                break;
            }
        }
        return [chosen, .. deployments.Where(d => d != chosen).OrderByDescending(d => d.Weight)];
    }

    private List<DeploymentOptions> LowestLatency(List<DeploymentOptions> deployments)
    {
        if (Random.Shared.NextDouble() < ExplorationShare)
            return deployments.OrderBy(_ => Random.Shared.Next()).ToList();
        return deployments.OrderBy(d => stats.LatencyMs(d.Name) ?? -1).ToList();
    }

    /// <summary>Orders by this request's estimated price: prompt characters ÷ 4 at the input price, max_tokens (or 256) at the output price.</summary>
    private static List<DeploymentOptions> LowestCost(List<DeploymentOptions> deployments, JsonObject body)
    {
        var inputTokens = (body["messages"]?.ToJsonString().Length ?? 0) / 4m;
        var outputTokens = (body["max_completion_tokens"] ?? body["max_tokens"]) is JsonValue v && v.TryGetValue<int>(out var max) ? max : 256m;
        return deployments
            .OrderBy(d => d.InputPricePerMillion is null || d.OutputPricePerMillion is null ? decimal.MaxValue
                : (inputTokens * d.InputPricePerMillion.Value + outputTokens * d.OutputPricePerMillion.Value) / 1_000_000m)
            .ToList();
    }

    /// <summary>This host's own listening address, for deployments given as a path (the embedded simulator).</summary>
    private Uri SelfAddress()
    {
        if (_selfAddress is not null)
            return _selfAddress;
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("A deployment's BaseUrl is a path on this host, but the host has no listening address.");
        // A wildcard binding is reachable on loopback.
        var uri = new UriBuilder(address.Replace("://+", "://127.0.0.1").Replace("://*", "://127.0.0.1")
            .Replace("://0.0.0.0", "://127.0.0.1").Replace("://[::]", "://127.0.0.1"));
        if (uri.Host == "localhost")
            uri.Host = "127.0.0.1";
        _selfAddress = uri.Uri;
        return _selfAddress;
    }
}
