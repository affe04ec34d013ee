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

public static class GuardrailRails
{
    public const string PromptInjection = "prompt-injection";
    public const string Pii = "pii";
    public const string JsonSchema = "json-schema";
    public const string BannedTerms = "banned-terms";

    public static readonly string[] All = [PromptInjection, Pii, JsonSchema, BannedTerms];
}

public static class GuardrailStages
{
    /// <summary>The caller's messages, before the upstream sees them.</summary>
    public const string Input = "input";

    /// <summary>RAG documents passed in <c>x-llmops-context</c>, before they are put into the request.</summary>
    public const string Retrieval = "retrieval";

    /// <summary>The model's answer, before the caller gets it.</summary>
    public const string Output = "output";

    public static readonly string[] All = [Input, Retrieval, Output];
}

public static class PiiKinds
{
    public const string Email = "email";
    public const string Phone = "phone";
    public const string Card = "card";
    public const string Iban = "iban";
    public const string NationalId = "national_id";
    public const string Ip = "ip";
    public const string Secret = "secret";

    public static readonly string[] All = [Email, Phone, Card, Iban, NationalId, Ip, Secret];
}
