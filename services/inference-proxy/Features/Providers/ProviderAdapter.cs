using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace LlmOps.InferenceProxy.Features.Providers;

/// <summary>
/// What differs between upstream APIs: where to send, how to authenticate, and how to translate requests, answers,
/// errors and streams to and from OpenAI's shapes (the gateway's own language). OpenAI-compatible servers need no
/// translation at all.
/// </summary>
public abstract class ProviderAdapter
{
    public abstract string Name { get; }

    public virtual bool SupportsEmbeddings => true;

    public abstract Uri Endpoint(DeploymentOptions deployment, string baseUrl, string operationPath, string model);

    public virtual void Authorize(HttpRequestMessage request, DeploymentOptions deployment, string key) =>
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

    /// <summary>The body to send for an OpenAI-shaped chat request (already carrying the upstream model id).</summary>
    public virtual JsonObject ChatRequest(JsonObject openAiBody) => openAiBody;

    /// <summary>A 2xx chat answer in OpenAI's shape (left as is when it cannot be read; the gateway then calls it invalid).</summary>
    public virtual byte[] ChatResponse(byte[] body) => body;

    /// <summary>An error answer: its status as the caller should see it, and its body in OpenAI's shape.</summary>
    public virtual (int Status, byte[] Body) Error(int status, byte[] body) => (status, body);

    /// <summary>The data payloads of a streamed chat answer in OpenAI's chunk shape, ending with <c>[DONE]</c>.</summary>
    public virtual async IAsyncEnumerable<string> ChatStream(Stream upstream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (_, data) in SseReader.ReadAsync(upstream, cancellationToken))
            yield return data;
    }

    public static ProviderAdapter For(string provider) => provider switch
    {
        Providers.AzureOpenAi => AzureOpenAiAdapter.Instance,
        Providers.Anthropic => AnthropicAdapter.Instance,
        _ => OpenAiAdapter.Instance,
    };
}

public static class Providers
{
    public const string OpenAi = "openai";
    public const string AzureOpenAi = "azure-openai";
    public const string Anthropic = "anthropic";

    public static readonly string[] All = [OpenAi, AzureOpenAi, Anthropic];
}

/// <summary>Any OpenAI-compatible server (OpenAI, vLLM, Ollama, LM Studio, ...): passed through untouched.</summary>
public sealed class OpenAiAdapter : ProviderAdapter
{
    public static readonly OpenAiAdapter Instance = new();

    public override string Name => Providers.OpenAi;

    public override Uri Endpoint(DeploymentOptions deployment, string baseUrl, string operationPath, string model) =>
        new(baseUrl + operationPath);
}

/// <summary>Azure OpenAI: the deployment in the path, <c>api-version</c> in the query, the key in an <c>api-key</c> header.</summary>
public sealed class AzureOpenAiAdapter : ProviderAdapter
{
    public static readonly AzureOpenAiAdapter Instance = new();

    public override string Name => Providers.AzureOpenAi;

    public override Uri Endpoint(DeploymentOptions deployment, string baseUrl, string operationPath, string model) =>
        new($"{baseUrl}/openai/deployments/{Uri.EscapeDataString(model)}{operationPath}?api-version={Uri.EscapeDataString(deployment.ApiVersion)}");

    public override void Authorize(HttpRequestMessage request, DeploymentOptions deployment, string key) =>
        request.Headers.Add("api-key", key);
}
