using System.ComponentModel.DataAnnotations;

namespace LlmOps.InferenceProxy;

public sealed class InferenceProxyOptions
{
    public const string Section = "InferenceProxy";

    /// <summary>The upstream deployments requests are forwarded to.</summary>
    [MinLength(1, ErrorMessage = "InferenceProxy:Deployments must list at least one deployment.")]
    public List<DeploymentOptions> Deployments { get; set; } = [];

    /// <summary>
    /// Model names with a routing strategy over several deployments. A model name without a route goes to the
    /// deployments that list it in their Models (weighted), then to those that accept any name (<c>*</c>).
    /// </summary>
    public List<RouteOptions> Routes { get; set; } = [];

    public RetryOptions Retry { get; set; } = new();

    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();

    public CacheOptions Cache { get; set; } = new();

    public RateLimitOptions RateLimits { get; set; } = new();

    public BudgetOptions Budgets { get; set; } = new();

    /// <summary>Put request and response text into InferenceCompleted (and so into traces).</summary>
    public bool CaptureContent { get; set; } = true;

    /// <summary>Captured text is cut to this many characters per message and per answer.</summary>
    [Range(0, 1_000_000)]
    public int MaxCapturedChars { get; set; } = 32_000;

    [Range(1024, 256L * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>InferenceCompleted events waiting for the broker; when full, requests wait (never drop).</summary>
    [Range(1, 1_000_000)]
    public int EventQueueCapacity { get; set; } = 10_000;

    [Range(1, 1000)]
    public int PublishBatchSize { get; set; } = 100;

    /// <summary>
    /// Publish each batch as one InferenceCompletedBatch message (the default, and what makes tens of thousands of
    /// events a second possible) rather than one InferenceCompleted per request. Turn off only while consumers older
    /// than the batch contract are still running.
    /// </summary>
    public bool PublishAsBatch { get; set; } = true;

    /// <summary>
    /// How long the publisher waits for the broker to confirm a batch before spooling it to disk. Short: while the broker
    /// is away, events should reach the disk quickly rather than sit in memory.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a publish may go unconfirmed before the publisher stops trusting the broker: it writes the batch in flight
    /// (and everything queued behind it) to the spool and spools from then on, while that publish is still pending. The
    /// gateway answers before its event is safe, so this, plus one fsync, is how long answered requests' events sit only in
    /// memory when the broker goes away (a kill then loses them). Healthy confirms take a few milliseconds; a confirm
    /// that comes after the events were spooled makes the replay a duplicate, which consumers drop by inference id.
    /// Must be shorter than PublishTimeout.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan SpoolAfter { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Where unconfirmed events wait for the broker; default <c>&lt;Storage:DataDirectory&gt;/spool/inference-proxy</c>.</summary>
    public string? SpoolDirectory { get; set; }

    /// <summary>Upper bound on the spool; beyond it events are lost, counted and logged as errors.</summary>
    [Range(1024 * 1024, long.MaxValue)]
    public long SpoolMaxBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Embedded mode: on the first start create the default project and print its first key.</summary>
    public bool CreateDefaultProjectKey { get; set; }
}

public sealed class DeploymentOptions
{
    [Required]
    public string Name { get; set; } = "";

    /// <summary><c>openai</c> (any OpenAI-compatible server), <c>azure-openai</c> or <c>anthropic</c>.</summary>
    public string Provider { get; set; } = "openai";

    /// <summary>
    /// The upstream's OpenAI-style base URL (ending in <c>/v1</c>), or a path on this host such as
    /// <c>/simulator/v1</c> (the embedded platform's simulator).
    /// </summary>
    [Required]
    public string BaseUrl { get; set; } = "";

    /// <summary>Name of the environment variable that holds the provider key; keys never sit in configuration files.</summary>
    public string? ApiKeyVariable { get; set; }

    /// <summary>Model id sent upstream; null = the caller's model name unchanged.</summary>
    public string? UpstreamModel { get; set; }

    /// <summary>Model names callers may send to reach this deployment; <c>*</c> accepts any name.</summary>
    public List<string> Models { get; set; } = [];

    [Range(1, 3600)]
    public int TimeoutSeconds { get; set; } = 120;

    /// <summary>
    /// Requests this gateway replica sends to the deployment at once (a stream counts until it ends); beyond it the
    /// deployment is passed over like one with an open circuit. Null: no limit.
    /// </summary>
    [Range(1, 100_000)]
    public int? MaxConcurrentRequests { get; set; }

    /// <summary>Share of traffic under the weighted strategy, relative to the route's other deployments.</summary>
    [Range(0, 1_000_000)]
    public double Weight { get; set; } = 1;

    /// <summary>Prices in USD per million tokens, for the lowest-cost strategy.</summary>
    public decimal? InputPricePerMillion { get; set; }

    public decimal? OutputPricePerMillion { get; set; }

    /// <summary>Azure OpenAI's <c>api-version</c> query parameter (provider <c>azure-openai</c>).</summary>
    public string ApiVersion { get; set; } = "2024-10-21";

    /// <summary>Anthropic's <c>anthropic-version</c> header (provider <c>anthropic</c>).</summary>
    public string AnthropicVersion { get; set; } = "2023-06-01";
}

public sealed class RouteOptions
{
    /// <summary>The model name callers send.</summary>
    [Required]
    public string Model { get; set; } = "";

    /// <summary><c>weighted</c> (default), <c>lowest-latency</c>, <c>lowest-cost</c> or <c>complexity</c>.</summary>
    public string Strategy { get; set; } = RoutingStrategies.Weighted;

    /// <summary>Deployment names. Under <c>complexity</c>: the small model first, the large one last.</summary>
    public List<string> Deployments { get; set; } = [];

    /// <summary>Tried, in order, when every deployment above failed or has its circuit open.</summary>
    public List<string> Fallbacks { get; set; } = [];

    /// <summary>Under <c>complexity</c>: requests scoring at or above this go to the large deployment.</summary>
    [Range(0, 1)]
    public double ComplexityThreshold { get; set; } = 0.5;
}

public static class RoutingStrategies
{
    public const string Weighted = "weighted";
    public const string LowestLatency = "lowest-latency";
    public const string LowestCost = "lowest-cost";
    public const string Complexity = "complexity";

    public static readonly string[] All = [Weighted, LowestLatency, LowestCost, Complexity];
}

public sealed class RetryOptions
{
    /// <summary>Upstream attempts per request, across the route's deployments and fallbacks.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>First backoff; doubles per attempt, with ±50 % jitter.</summary>
    [Range(0, 10_000)]
    public int BaseDelayMs { get; set; } = 100;

    /// <summary>A Retry-After up to this long is honoured before retrying the same deployment.</summary>
    [Range(0, 60_000)]
    public int MaxRetryAfterMs { get; set; } = 2_000;
}

public sealed class CircuitBreakerOptions
{
    /// <summary>Share of failed attempts within the sampling window that opens a deployment's circuit.</summary>
    [Range(0.01, 1)]
    public double FailureRatio { get; set; } = 0.5;

    [Range(2, 10_000)]
    public int MinimumThroughput { get; set; } = 10;

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an open circuit keeps the deployment out before one trial request (half-open).</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}

public sealed class CacheOptions
{
    /// <summary>Memory the exact cache may hold per gateway replica; least recently used answers go first.</summary>
    [Range(0, long.MaxValue)]
    public long MaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>The cache TTL the embedded platform's default project starts with (others start at 0: off).</summary>
    [Range(0, 30 * 24 * 3600)]
    public int DefaultProjectTtlSeconds { get; set; }

    /// <summary>Questions the semantic cache keeps per gateway replica (about 2 KB of vector each, plus the answer); oldest go first.</summary>
    [Range(0, 10_000_000)]
    public int SemanticMaxEntries { get; set; } = 20_000;

    /// <summary>Longest last user message (characters) the semantic cache embeds; longer ones are not matched.</summary>
    [Range(1, 1_000_000)]
    public int SemanticMaxChars { get; set; } = 4_000;

    /// <summary>How long a request waits for an embedding deployment (per try, at most two) before going on without the semantic cache.</summary>
    [Range(50, 60_000)]
    public int SemanticEmbeddingTimeoutMs { get; set; } = 2_000;
}

public sealed class RateLimitOptions
{
    /// <summary>Length of a rate-limit window; limits are per this many seconds (60: per minute).</summary>
    [Range(1, 86_400)]
    public int WindowSeconds { get; set; } = 60;

    /// <summary>Share of a limit one replica leases at a time: smaller slices waste less, larger ones talk to the store less.</summary>
    [Range(0.001, 1)]
    public double LeaseFraction { get; set; } = 0.1;

    /// <summary>How long a request waits for a replica's first lease of a window (the only time it waits on the store).</summary>
    [Range(0, 5_000)]
    public int FirstLeaseWaitMs { get; set; } = 500;
}

/// <summary>How the gateway enforces the budgets cost-accountant keeps (see docs/budgets.md).</summary>
public sealed class BudgetOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>How often a replica hands back and renews its slices of an active project's budgets (and learns of new budgets).</summary>
    [Range(1, 3_600)]
    public int RefreshSeconds { get; set; } = 5;

    /// <summary>How long a request waits for a lease when its replica holds none it can use (the only wait on cost-accountant).</summary>
    [Range(0, 10_000)]
    public int LeaseWaitMs { get; set; } = 1_000;

    /// <summary>Reply timeout of a lease request; after a failure, requests stop waiting on cost-accountant for a while.</summary>
    [Range(100, 30_000)]
    public int LeaseTimeoutMs { get; set; } = 2_000;

    /// <summary>Output tokens reserved for a request that sets no max_tokens.</summary>
    [Range(1, 1_000_000)]
    public int DefaultOutputTokens { get; set; } = 1_024;
}
