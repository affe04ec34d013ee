namespace LlmOps.Contracts.Inference;

public static class InferenceOperations
{
    public const string Chat = "chat";
    public const string Embeddings = "embeddings";
}

public static class InferenceStatuses
{
    public const string Success = "success";
    public const string UpstreamError = "upstream_error";
    public const string Timeout = "timeout";
    public const string ClientDisconnected = "client_disconnected";

    /// <summary>Refused by the proxy before any upstream call: bad input, auth, unknown model.</summary>
    public const string Rejected = "rejected";

    public const string RateLimited = "rate_limited";
    public const string BudgetExceeded = "budget_exceeded";
    public const string Blocked = "blocked";
}

public static class CacheStatuses
{
    /// <summary>No cache was consulted.</summary>
    public const string None = "none";
    public const string Hit = "hit";
    public const string SemanticHit = "semantic_hit";
    public const string Miss = "miss";
    public const string Bypass = "bypass";
}

public static class GuardrailActions
{
    public const string None = "none";
    public const string Flag = "flag";
    public const string Redact = "redact";
    public const string Block = "block";
}
