using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Gateway;

/// <summary>One chat call the evaluator makes through inference-proxy (a judge's verdict, an experiment's answer).</summary>
public sealed record GatewayRequest
{
    /// <summary>The model or route name the gateway resolves.</summary>
    public required string Model { get; init; }

    public required IReadOnlyList<(string Role, string Content)> Messages { get; init; }
    public double Temperature { get; init; }
    public int? MaxTokens { get; init; }

    /// <summary><c>name</c>, <c>name@label</c> or <c>name#version</c>: the gateway renders the prompt (experiments).</summary>
    public string? Prompt { get; init; }

    public IReadOnlyDictionary<string, string>? PromptVariables { get; init; }

    /// <summary>Shown with the request's trace and cost: who asked and about what.</summary>
    public required string Feature { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

public sealed record GatewayReply(bool Ok, string? Content, string? Model, string? TraceId, string? Error, double LatencyMs, long InputTokens,
    long OutputTokens);

/// <summary>
/// The evaluator's calls through inference-proxy, so they are priced, traced and rate-limited like any other traffic and
/// marked <c>x-llmops-traffic: evaluator</c> so they are never evaluated themselves. Where the gateway is and which key
/// to use come from <c>Evaluator:Gateway</c>; in the embedded platform (no BaseUrl) the evaluator calls its own host with
/// the admin key. A failure is returned, never thrown: a judge failure is an error state, not a score.
/// </summary>
public sealed class GatewayClient(HttpClient http, GatewayTarget target, IOptions<EvaluatorOptions> options)
{
    public const string HttpClientName = "evaluator-gateway";

    public async Task<GatewayReply> ChatAsync(GatewayRequest request, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(target.BaseUrl(), "v1/chat/completions"));
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", target.Key());
            message.Headers.Add("x-llmops-traffic", "evaluator");
            message.Headers.Add("x-llmops-feature", request.Feature);
            if (request.Metadata.Count > 0)
                message.Headers.TryAddWithoutValidation("x-llmops-metadata", JsonSerializer.Serialize(request.Metadata));
            if (request.Prompt is not null)
                message.Headers.Add("x-llmops-prompt", request.Prompt);
            var body = new JsonObject
            {
                ["model"] = request.Model,
                ["temperature"] = request.Temperature,
                ["messages"] = new JsonArray(request.Messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray()),
            };
            // The gateway reads a prompt's variables from the body's metadata (any text, unlike a header).
            if (request.PromptVariables is { Count: > 0 } variables)
                body["metadata"] = new JsonObject(variables.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)JsonValue.Create(v.Value))));
            if (request.MaxTokens is { } max)
                body["max_tokens"] = max;
            message.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.Gateway.TimeoutSeconds));
            using var response = await http.SendAsync(message, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            var traceId = response.Headers.TryGetValues("x-llmops-trace-id", out var ids) ? ids.FirstOrDefault() : null;
            if (!response.IsSuccessStatusCode)
                return Failed($"the gateway answered {(int)response.StatusCode}: {Cut(ErrorMessage(text))}", traceId);
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            var choice = root.GetProperty("choices")[0];
            var content = choice.GetProperty("message").TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            var usage = root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object ? u : default;
            return new GatewayReply(true, content, root.TryGetProperty("model", out var model) ? model.GetString() : null, traceId, null,
                clock.Elapsed.TotalMilliseconds,
                usage.ValueKind == JsonValueKind.Object && usage.TryGetProperty("prompt_tokens", out var p) ? p.GetInt64() : 0,
                usage.ValueKind == JsonValueKind.Object && usage.TryGetProperty("completion_tokens", out var o) ? o.GetInt64() : 0);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed($"no answer from the gateway within {options.Value.Gateway.TimeoutSeconds} s", null);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return Failed($"the gateway call failed: {Cut(ex.Message)}", null);
        }

        GatewayReply Failed(string error, string? traceId) => new(false, null, null, traceId, error, clock.Elapsed.TotalMilliseconds, 0, 0);
    }

    private static string ErrorMessage(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("error", out var error) && error.TryGetProperty("message", out var m) ? m.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    private static string Cut(string text) => text.Length > 300 ? text[..300] : text;
}

/// <summary>
/// Where the gateway is and the key to call it with, resolved once per process (the typed client above is created per
/// scope, i.e. per trace on the judge lane; the embedded platform's key comes from a file).
/// </summary>
public sealed class GatewayTarget(IOptions<EvaluatorOptions> options, IOptions<AuthOptions> auth, IOptions<StorageOptions> storage, IServer server)
{
    private string? _key;
    private Uri? _baseUrl;

    public Uri BaseUrl()
    {
        if (_baseUrl is not null)
            return _baseUrl;
        var configured = options.Value.Gateway.BaseUrl;
        var address = configured ?? server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Evaluator:Gateway:BaseUrl is not set and the host has no address to call itself on.");
        // A host bound to every interface is reached on loopback.
        address = address.Replace("://+", "://127.0.0.1").Replace("://*", "://127.0.0.1").Replace("://0.0.0.0", "://127.0.0.1").Replace("://[::]", "://127.0.0.1");
        return _baseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
    }

    public string Key()
    {
        if (_key is not null)
            return _key;
        var key = options.Value.Gateway.ApiKey ?? auth.Value.AdminKey;
        if (string.IsNullOrWhiteSpace(key))
        {
            // The embedded platform generated its admin key into the data directory; it calls itself with it.
            var file = Path.Combine(storage.Value.DataDirectoryFullPath, AdminKeyProvider.FileName);
            key = File.Exists(file) ? File.ReadAllText(file).Trim() : null;
        }
        return _key = key ?? throw new InvalidOperationException("No key for the gateway: set Evaluator__Gateway__ApiKey.");
    }
}
