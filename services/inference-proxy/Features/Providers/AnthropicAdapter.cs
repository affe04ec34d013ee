using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmOps.InferenceProxy.Features.Providers;

/// <summary>
/// Anthropic's Messages API behind the OpenAI-compatible gateway: requests translated to it, answers, errors and
/// streams (named events, tool use deltas) translated back, usage converted to OpenAI's convention (Anthropic's
/// <c>input_tokens</c> excludes cache reads and writes; OpenAI's <c>prompt_tokens</c> includes them).
/// </summary>
public sealed class AnthropicAdapter : ProviderAdapter
{
    public static readonly AnthropicAdapter Instance = new();

    /// <summary>Anthropic requires max_tokens; OpenAI callers often leave it out.</summary>
    public const int DefaultMaxTokens = 4096;

    public override string Name => Providers.Anthropic;

    public override bool SupportsEmbeddings => false;

    public override Uri Endpoint(DeploymentOptions deployment, string baseUrl, string operationPath, string model) =>
        new(baseUrl + (operationPath == "/chat/completions" ? "/messages" : operationPath));

    public override void Authorize(HttpRequestMessage request, DeploymentOptions deployment, string key)
    {
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", deployment.AnthropicVersion);
    }

    public override JsonObject ChatRequest(JsonObject openAi) => AnthropicTranslation.ToAnthropic(openAi);

    public override byte[] ChatResponse(byte[] body) => AnthropicTranslation.ToOpenAiCompletion(body) ?? body;

    public override (int Status, byte[] Body) Error(int status, byte[] body) =>
        // 529 "overloaded" is Anthropic's own; callers' SDKs know 503.
        (status == 529 ? 503 : status, AnthropicTranslation.ToOpenAiError(body));

    public override async IAsyncEnumerable<string> ChatStream(Stream upstream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var translator = new AnthropicStreamTranslator();
        await foreach (var (name, data) in SseReader.ReadAsync(upstream, cancellationToken))
        {
            foreach (var chunk in translator.Translate(name, data))
                yield return chunk;
        }
    }
}
