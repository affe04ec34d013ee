using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.Routing;

/// <summary>
/// Finds the deployment for a model name: the first deployment that lists the name, else the first that accepts any
/// name (<c>*</c>). Routing strategies, fallbacks and circuit breaking arrive with the gateway issue.
/// </summary>
public sealed class DeploymentResolver(IOptions<InferenceProxyOptions> options, IServer server)
{
    private Uri? _selfAddress;

    public DeploymentOptions? Resolve(string model)
    {
        var deployments = options.Value.Deployments;
        return deployments.FirstOrDefault(d => d.Models.Contains(model, StringComparer.Ordinal))
            ?? deployments.FirstOrDefault(d => d.Models.Contains("*"));
    }

    /// <summary>Model names callers can use (the explicit ones; <c>*</c> is not a model).</summary>
    public IEnumerable<(string Model, string Deployment)> ListModels() =>
        options.Value.Deployments
            .SelectMany(d => d.Models.Where(m => m != "*").Select(m => (m, d.Name)))
            .DistinctBy(x => x.m);

    /// <summary>The absolute URL of <paramref name="path"/> on the deployment's base URL.</summary>
    public Uri UpstreamUri(DeploymentOptions deployment, string path)
    {
        var baseUrl = deployment.BaseUrl.TrimEnd('/');
        if (baseUrl.StartsWith('/'))
            return new Uri(SelfAddress(), baseUrl + path);
        return new Uri(baseUrl + path);
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
