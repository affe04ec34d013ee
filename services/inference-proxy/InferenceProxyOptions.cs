using System.ComponentModel.DataAnnotations;

namespace LlmOps.InferenceProxy;

public sealed class InferenceProxyOptions
{
    public const string Section = "InferenceProxy";

    /// <summary>The upstream deployments requests are forwarded to.</summary>
    [MinLength(1, ErrorMessage = "InferenceProxy:Deployments must list at least one deployment.")]
    public List<DeploymentOptions> Deployments { get; set; } = [];

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
    /// How long the publisher waits for the broker to confirm a batch before spooling it to disk. Short: while the broker
    /// is away, events should reach the disk quickly rather than sit in memory.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(2);

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

    /// <summary>Provider kind. This slice speaks to OpenAI-compatible upstreams (<c>openai</c>).</summary>
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
}
