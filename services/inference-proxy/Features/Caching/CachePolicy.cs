using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy.Features.Gateway;
using LlmOps.InferenceProxy.Features.Keys;
using LlmOps.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.Caching;

/// <summary>
/// When the caches apply and what they answer. They apply to projects with a cache TTL; the semantic cache also to
/// projects that turned it on, for requests it can judge (see <see cref="SemanticQuestion"/>). The exact cache is asked
/// first. A request with <c>Cache-Control: no-store</c> bypasses both; <c>no-cache</c> skips the lookups but stores the
/// fresh answer. Only complete, successful answers with real usage are kept: never errors, partial streams or estimates.
/// A hit still publishes its InferenceCompleted (cache status hit or semantic_hit, the original usage for the record;
/// pricing treats hits as free). The answer says <c>x-llmops-cache: hit | semantic-hit | miss | bypass</c>, and a
/// semantic hit its similarity in <c>x-llmops-cache-similarity</c>.
/// </summary>
public sealed class CachePolicy(ExactCache cache, SemanticCache semantic, SemanticEmbedder embedder, ProjectSettings projects,
    IOptions<InferenceProxyOptions> options)
{
    public const string Header = "x-llmops-cache";
    public const string SimilarityHeader = "x-llmops-cache-similarity";

    private static readonly Counter<long> Lookups = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.cache.lookups", description: "Exact cache lookups by result");

    /// <summary>Answers from the cache when it can; otherwise prepares the call so its answer can be kept.</summary>
    public async Task<bool> TryServeAsync(HttpContext context, GatewayCall call, JsonObject body, bool stream, bool includeUsage)
    {
        var ttl = projects.CacheTtl(call.ProjectId);
        if (!cache.Enabled || ttl <= TimeSpan.Zero)
            return false;
        var control = context.Request.Headers.CacheControl.ToString();
        if (control.Contains("no-store", StringComparison.OrdinalIgnoreCase))
        {
            call.CacheStatus = CacheStatuses.Bypass;
            context.Response.Headers[Header] = "bypass";
            Lookups.Add(1, new KeyValuePair<string, object?>("result", "bypass"));
            return false;
        }

        var prompt = call.PromptName is null ? null : $"{call.PromptName}#{call.PromptVersion}";
        var lookup = !control.Contains("no-cache", StringComparison.OrdinalIgnoreCase);
        call.CacheKey = CacheKey.Compute(call.ProjectId, prompt, body);
        var cached = lookup ? cache.Get(call.CacheKey) : null;
        var status = CacheStatuses.Hit;
        if (cached is null && projects.Of(call.ProjectId).SemanticCache is { Enabled: true } settings && semantic.Enabled
            && SemanticQuestion(body, settings.MaxMessages, options.Value.Cache.SemanticMaxChars) is { } question)
        {
            // Vectors of different embedders are not comparable: the embedder is part of the partition.
            var partition = CacheKey.Partition(call.ProjectId, $"{prompt}\nembedder:{settings.EmbeddingModel ?? "local"}", body);
            if (await embedder.EmbedAsync(call, settings.EmbeddingModel, question, context.RequestAborted) is { } vector)
                call.SemanticKey = (partition, vector);
            if (lookup && call.SemanticKey is { } key && semantic.Find(partition, key.Vector, settings.Threshold) is var (answer, similarity))
            {
                cached = answer;
                status = CacheStatuses.SemanticHit;
                context.Response.Headers[SimilarityHeader] = similarity.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        if (cached is null)
        {
            call.CacheStatus = CacheStatuses.Miss;
            context.Response.Headers[Header] = "miss";
            Lookups.Add(1, new KeyValuePair<string, object?>("result", "miss"));
            return false;
        }

        Lookups.Add(1, new KeyValuePair<string, object?>("result", status));
        call.CacheStatus = status;
        call.Attempts = 0;
        call.ServedModel = cached.Model;
        call.FinishReason = cached.FinishReason;
        call.Usage = cached.Usage;
        if (call.CaptureContent)
        {
            call.Completion = cached.Content;
            call.ToolCallsJson = cached.ToolCallsJson;
        }
        context.Response.Headers[Header] = status == CacheStatuses.Hit ? "hit" : "semantic-hit";
        if (stream)
        {
            call.Streamed = true;
            call.MarkFirstToken();
            await CacheReplay.StreamAsync(context, cached, includeUsage, context.RequestAborted);
        }
        else
        {
            var json = CacheReplay.Json(cached);
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(json, context.RequestAborted);
        }
        return true;
    }

    /// <summary>Keeps the call's answer if it is one worth keeping.</summary>
    public void Keep(GatewayCall call)
    {
        if (call.CacheKey is not { } key || call.Answer is not { } answer || call.Status != InferenceStatuses.Success)
            return;
        var ttl = projects.CacheTtl(call.ProjectId);
        cache.Set(key, answer, ttl);
        if (call.SemanticKey is { } semanticKey)
            semantic.Add(semanticKey.Partition, semanticKey.Vector, answer, ttl);
    }

    /// <summary>
    /// The question the semantic cache matches: the last message, when it is the user's text, the conversation is at
    /// most <paramref name="maxMessages"/> long, and nothing involves tools (a tool call's answer depends on more than the
    /// words). Null when the request is not one to match by meaning.
    /// </summary>
    public static string? SemanticQuestion(JsonObject body, int maxMessages, int maxChars)
    {
        if (body["tools"] is not null || body["functions"] is not null || body["messages"] is not JsonArray messages
            || messages.Count == 0 || messages.Count > maxMessages)
            return null;
        foreach (var message in messages)
        {
            if (message is not JsonObject m || m["tool_calls"] is not null || m["function_call"] is not null
                || m["role"] is JsonValue r && r.TryGetValue<string>(out var role) && role is "tool" or "function")
                return null;
        }
        var last = (JsonObject)messages[^1]!;
        if (last["role"] is not JsonValue lastRole || !lastRole.TryGetValue<string>(out var who) || who != "user")
            return null;
        var text = last["content"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonArray parts when parts.All(p => p is JsonObject o && o["type"] is JsonValue t && t.TryGetValue<string>(out var type) && type == "text") =>
                string.Join("\n", parts.Select(p => p!["text"]?.GetValue<string>())),
            _ => null,
        };
        return text is { Length: > 0 } && text.Length <= maxChars ? text : null;
    }
}
