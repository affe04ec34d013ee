using System.Globalization;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy.Features.Gateway;
using LlmOps.InferenceProxy.Features.Keys;
using LlmOps.ServiceDefaults.Auth;

namespace LlmOps.InferenceProxy.Features.RateLimits;

/// <summary>
/// Requests and tokens per window, per key (its limits) and per project (the project's), across every gateway replica.
/// Tokens are charged up front on an estimate (prompt characters ÷ 4 plus the requested max tokens) and settled with
/// the real usage afterwards, so a window can run over its token limit by at most what requests in flight underestimated.
/// A refusal is a 429 with Retry-After and OpenAI's x-ratelimit-* headers (for the key's limits).
/// </summary>
public sealed class RateLimitGate(RateLimiter limiter, ProjectKeyDirectory keys, ProjectSettings projects)
{
    private sealed record Charge(string Scope, long Limit, long Cost, string Kind, bool OfKey);

    public async Task<bool> AdmitAsync(HttpContext context, GatewayCall call, JsonObject body)
    {
        var charges = Charges(context, call, body);
        if (charges.Count == 0)
            return true;

        var taken = new List<Charge>(charges.Count);
        foreach (var charge in charges)
        {
            var decision = await limiter.TryTakeAsync(charge.Scope, charge.Limit, charge.Cost, context.RequestAborted);
            if (charge.OfKey)
                WriteHeaders(context, charge.Kind, decision);
            if (!decision.Allowed)
            {
                foreach (var done in taken)
                    limiter.Refund(done.Scope, done.Cost);
                var seconds = Math.Max(1, (int)Math.Ceiling(decision.Reset.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var owner = charge.OfKey ? "this key" : "this project";
                var message = $"Rate limit reached for {owner}: {charge.Limit} {charge.Kind} per window. Try again in {seconds}s.";
                await Gateway.GatewayPipeline.WriteFailureAsync(context, call,
                    AttemptOutcome.Failure(429, InferenceStatuses.RateLimited, "rate_limit_exceeded", message));
                return false;
            }
            taken.Add(charge);
        }
        call.TokenCharges = taken.Where(c => c.Kind == "tokens").Select(c => (c.Scope, c.Cost)).ToList();
        return true;
    }

    /// <summary>Replaces each token estimate with the real usage once the call is over.</summary>
    public void Settle(GatewayCall call)
    {
        var actual = call.CacheStatus == CacheStatuses.Hit ? 0 : call.Usage.TotalTokens;
        foreach (var (scope, estimate) in call.TokenCharges)
            limiter.Adjust(scope, actual - estimate);
    }

    private List<Charge> Charges(HttpContext context, GatewayCall call, JsonObject body)
    {
        var charges = new List<Charge>(4);
        var tokens = EstimateTokens(body);
        if (!context.User.IsAdmin() && call.KeyId is { } keyId && keys.Find(keyId) is { } key)
        {
            if (key.RequestsPerMinute is { } rpm)
                charges.Add(new Charge($"key:{keyId}:requests", rpm, 1, "requests", true));
            if (key.TokensPerMinute is { } tpm)
                charges.Add(new Charge($"key:{keyId}:tokens", tpm, tokens, "tokens", true));
        }
        var project = projects.Of(call.ProjectId);
        if (project.RequestsPerMinute is { } projectRpm)
            charges.Add(new Charge($"project:{call.ProjectId}:requests", projectRpm, 1, "requests", false));
        if (project.TokensPerMinute is { } projectTpm)
            charges.Add(new Charge($"project:{call.ProjectId}:tokens", projectTpm, tokens, "tokens", false));
        return charges;
    }

    private static long EstimateTokens(JsonObject body)
    {
        var (prompt, output) = RequestEstimate.Of(body);
        return Math.Max(1, prompt + (output ?? 0));
    }

    private static void WriteHeaders(HttpContext context, string kind, RateLimiter.Decision decision)
    {
        if (context.Response.HasStarted)
            return;
        var headers = context.Response.Headers;
        headers[$"x-ratelimit-limit-{kind}"] = decision.Limit.ToString(CultureInfo.InvariantCulture);
        headers[$"x-ratelimit-remaining-{kind}"] = decision.Remaining.ToString(CultureInfo.InvariantCulture);
        headers[$"x-ratelimit-reset-{kind}"] = $"{Math.Max(0, Math.Ceiling(decision.Reset.TotalSeconds)).ToString(CultureInfo.InvariantCulture)}s";
    }
}
