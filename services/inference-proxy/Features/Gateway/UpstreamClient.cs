using System.Net;
using System.Net.Http.Headers;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>
/// One pooled HttpClient for every upstream (IHttpClientFactory's per-request logging and handler chain cost more
/// than they give on a gateway's hot path). Deadlines are per request, from the deployment's timeout.
/// </summary>
public sealed class UpstreamClient : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        AllowAutoRedirect = false,
        MaxConnectionsPerServer = int.MaxValue,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public Task<HttpResponseMessage> SendAsync(Uri uri, DeploymentOptions deployment, HttpContent content, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (deployment.ApiKeyVariable is { Length: > 0 } variable && Environment.GetEnvironmentVariable(variable) is { Length: > 0 } key)
            Providers.ProviderAdapter.For(deployment.Provider).Authorize(request, deployment, key);
        else if (deployment.Provider == Providers.Providers.Anthropic)
            request.Headers.Add("anthropic-version", deployment.AnthropicVersion);
        return _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    public void Dispose() => _client.Dispose();
}
