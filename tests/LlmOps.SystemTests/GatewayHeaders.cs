using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using OpenAI;
using OpenAI.Chat;

namespace LlmOps.SystemTests;

/// <summary>
/// What an application adds to the official OpenAI SDK to use the gateway's own features: request headers such as
/// <c>x-llmops-prompt</c> or a W3C <c>traceparent</c> (the SDK has no field for them), and a record of what the gateway
/// answered in its headers (<c>x-llmops-trace-id</c>, the prompt version served), in request order.
/// </summary>
public sealed class GatewayHeaders : PipelinePolicy
{
    private readonly ConcurrentDictionary<string, Func<string?>> _headers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>One answer's gateway headers: its trace id and the prompt version that served it (<c>orders#3</c>).</summary>
    public sealed record Served(string TraceId, string? Prompt);

    public ConcurrentQueue<Served> Answers { get; } = new();

    /// <summary>Sends <paramref name="name"/> on every request; <paramref name="value"/> is read per request (null: left out).</summary>
    public GatewayHeaders With(string name, Func<string?> value)
    {
        _headers[name] = value;
        return this;
    }

    public GatewayHeaders With(string name, string value) => With(name, () => value);

    /// <summary>A chat client for <paramref name="model"/> on the gateway, without SDK retries (a refusal or failure must surface).</summary>
    public ChatClient ChatClient(Uri gateway, string key, string model, TimeSpan? networkTimeout = null)
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(gateway, "v1"), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) };
        if (networkTimeout is { } timeout)
            options.NetworkTimeout = timeout;
        options.AddPolicy(this, PipelinePosition.PerCall);
        return new ChatClient(model, new ApiKeyCredential(key), options);
    }

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        Add(message);
        ProcessNext(message, pipeline, currentIndex);
        Keep(message);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        Add(message);
        await ProcessNextAsync(message, pipeline, currentIndex);
        Keep(message);
    }

    private void Add(PipelineMessage message)
    {
        foreach (var (name, value) in _headers)
        {
            if (value() is { } text)
                message.Request.Headers.Set(name, text);
        }
    }

    private void Keep(PipelineMessage message)
    {
        if (message.Response is { IsError: false } response && response.Headers.TryGetValue("x-llmops-trace-id", out var id) && id is not null)
            Answers.Enqueue(new Served(id, response.Headers.TryGetValue("x-llmops-prompt", out var prompt) ? prompt : null));
    }
}
