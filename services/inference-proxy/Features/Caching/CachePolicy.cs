using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy.Features.Gateway;
using LlmOps.InferenceProxy.Features.Keys;
using LlmOps.ServiceDefaults.Telemetry;

namespace LlmOps.InferenceProxy.Features.Caching;

/// <summary>
/// When the exact cache applies and what it answers. It applies to projects with a cache TTL. A request with
/// <c>Cache-Control: no-store</c> bypasses it entirely; <c>no-cache</c> skips the lookup but stores the fresh answer.
/// Only complete, successful answers with real usage are kept: never errors, partial streams or estimates. A hit still
/// publishes its InferenceCompleted (cache status hit, the original usage for the record; pricing treats hits as free).
/// The answer says <c>x-llmops-cache: hit | miss | bypass</c>.
/// </summary>
public sealed class CachePolicy(ExactCache cache, ProjectSettings projects)
{
    public const string Header = "x-llmops-cache";

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

        call.CacheKey = CacheKey.Compute(call.ProjectId, call.PromptName is null ? null : $"{call.PromptName}#{call.PromptVersion}", body);
        var cached = control.Contains("no-cache", StringComparison.OrdinalIgnoreCase) ? null : cache.Get(call.CacheKey);
        if (cached is null)
        {
            call.CacheStatus = CacheStatuses.Miss;
            context.Response.Headers[Header] = "miss";
            Lookups.Add(1, new KeyValuePair<string, object?>("result", "miss"));
            return false;
        }

        Lookups.Add(1, new KeyValuePair<string, object?>("result", "hit"));
        call.CacheStatus = CacheStatuses.Hit;
        call.Attempts = 0;
        call.ServedModel = cached.Model;
        call.FinishReason = cached.FinishReason;
        call.Usage = cached.Usage;
        if (call.CaptureContent)
        {
            call.Completion = cached.Content;
            call.ToolCallsJson = cached.ToolCallsJson;
        }
        context.Response.Headers[Header] = "hit";
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
        if (call.CacheKey is { } key && call.Answer is { } answer && call.Status == InferenceStatuses.Success)
            cache.Set(key, answer, projects.CacheTtl(call.ProjectId));
    }
}
