using System.Net;
using LlmOps.ServiceDefaults.Http;
using Microsoft.Extensions.Options;

namespace LlmOps.Dashboard.Features.Proxy;

/// <summary>
/// Forwards one <c>/api</c> call to the service that owns it (distributed mode): method, path, query, body and the
/// caller's <c>Authorization</c> header go through unchanged, and the answer streams back, so the owning service alone
/// decides who may see what. The dashboard holds no key of its own. Bounded: a connect timeout and an overall timeout.
/// </summary>
public sealed class ApiForwarder(IHttpClientFactory clients, IOptions<DashboardOptions> options, ILogger<ApiForwarder> logger)
{
    public const string ClientName = "dashboard-api";

    // Hop-by-hop headers (RFC 9110 §7.6.1) and those the server sets itself are not copied.
    private static readonly HashSet<string> SkippedResponseHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "Trailer", "TE",
    };

    private static readonly string[] ForwardedRequestHeaders =
        ["Authorization", "Accept", "Accept-Language", "If-None-Match", "traceparent", "tracestate"];

    public async Task ForwardAsync(HttpContext context, Uri serviceBase)
    {
        var request = context.Request;
        // Appended, not resolved: a service behind a path prefix (http://host/trace-collector/) keeps it.
        var target = new Uri(serviceBase.AbsoluteUri.TrimEnd('/') + request.Path.Value + request.QueryString.Value);
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), target);
        foreach (var name in ForwardedRequestHeaders)
        {
            if (request.Headers.TryGetValue(name, out var values))
                message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            message.Content = new StreamContent(request.Body);
            if (request.ContentType is { } contentType)
                message.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            if (request.ContentLength is { } length)
                message.Content.Headers.ContentLength = length;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.ProxyTimeoutSeconds));
        try
        {
            using var response = await clients.CreateClient(ClientName)
                .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var header in response.Headers.Concat(response.Content.Headers))
            {
                if (!SkippedResponseHeaders.Contains(header.Key))
                    context.Response.Headers[header.Key] = header.Value.ToArray();
            }
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            await body.CopyToAsync(context.Response.Body, timeout.Token);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            logger.LogWarning("Forwarding {Method} {Path} to {Service} timed out", request.Method, request.Path, serviceBase);
            if (!context.Response.HasStarted)
                await ErrorResponses.WriteAsync(context, (int)HttpStatusCode.GatewayTimeout, "The service did not answer in time.", "upstream_timeout");
        }
        catch (HttpRequestException e)
        {
            logger.LogWarning(e, "Forwarding {Method} {Path} to {Service} failed", request.Method, request.Path, serviceBase);
            if (!context.Response.HasStarted)
                await ErrorResponses.WriteAsync(context, (int)HttpStatusCode.BadGateway, "The service could not be reached.", "upstream_unreachable");
        }
    }
}
