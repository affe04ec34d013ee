using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Primitives;

namespace LlmOps.LlmSimulator.Features.Directives;

/// <summary>
/// How one request should be answered. Set per request by <c>x-sim-*</c> headers, or by <c>[[sim:key=value]]</c>
/// directives inside any message (which reach the simulator through a gateway that does not forward custom headers),
/// falling back to <see cref="SimulatorOptions"/>.
/// </summary>
public sealed partial record SimDirectives
{
    /// <summary>One of <see cref="FailureKinds"/>, or null to answer normally.</summary>
    public string? Fail { get; init; }

    /// <summary>For <c>stream-cut</c>: content chunks sent before the connection is dropped.</summary>
    public int CutAfterChunks { get; init; } = 2;

    public int TimeToFirstTokenMs { get; init; }
    public int PerTokenMs { get; init; }
    public int? CompletionTokens { get; init; }
    public string? Response { get; init; }
    public bool Echo { get; init; }
    public bool ToolCall { get; init; }

    /// <summary><c>separate</c> (OpenAI: a final chunk with no choices), <c>with-last-choice</c>, or <c>none</c>.</summary>
    public string UsageMode { get; init; } = "separate";

    public int CachedTokens { get; init; }
    public int ReasoningTokens { get; init; }
    public string? ServedModel { get; init; }

    public static class FailureKinds
    {
        public const string RateLimited = "429";
        public const string ServerError = "500";
        public const string Unavailable = "503";
        public const string Timeout = "timeout";
        public const string Malformed = "malformed";
        public const string ErrorBody = "error-body";
        public const string Empty = "empty";
        public const string StreamCut = "stream-cut";

        public static readonly string[] All = [RateLimited, ServerError, Unavailable, Timeout, Malformed, ErrorBody, Empty, StreamCut];
    }

    [GeneratedRegex(@"\[\[sim:([a-z\-]+)(?:=(.*?))?\]\]", RegexOptions.CultureInvariant)]
    private static partial Regex PromptDirective();

    public static SimDirectives Resolve(SimulatorOptions options, IHeaderDictionary headers, IEnumerable<string?> promptTexts)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var text in promptTexts)
        {
            if (string.IsNullOrEmpty(text) || !text.Contains("[[sim:", StringComparison.Ordinal))
                continue;
            foreach (Match match in PromptDirective().Matches(text))
                values[match.Groups[1].Value] = match.Groups[2].Success ? match.Groups[2].Value : "true";
        }
        // Headers win over prompt directives.
        foreach (var (name, value) in headers)
        {
            if (name.StartsWith("x-sim-", StringComparison.OrdinalIgnoreCase))
                values[name["x-sim-".Length..]] = DecodeHeader(value);
        }

        var fail = Get(values, "fail");
        if (fail is null && options.FailureRate > 0 && Random.Shared.NextDouble() < options.FailureRate)
            fail = options.FailureKind;

        return new SimDirectives
        {
            Fail = fail,
            CutAfterChunks = GetInt(values, "cut-after") ?? 2,
            TimeToFirstTokenMs = GetInt(values, "ttft-ms") ?? options.TimeToFirstTokenMs,
            PerTokenMs = GetInt(values, "token-ms") ?? options.PerTokenMs,
            CompletionTokens = GetInt(values, "tokens") ?? options.CompletionTokens,
            Response = Get(values, "response"),
            Echo = GetBool(values, "echo"),
            ToolCall = GetBool(values, "tool-call"),
            UsageMode = Get(values, "usage") ?? "separate",
            CachedTokens = GetInt(values, "cached-tokens") ?? 0,
            ReasoningTokens = GetInt(values, "reasoning-tokens") ?? 0,
            ServedModel = Get(values, "served-model"),
        };
    }

    /// <summary>Unknown failure kinds are refused rather than ignored, so a typo in a test cannot pass silently.</summary>
    public string? Validate()
    {
        if (Fail is not null && !FailureKinds.All.Contains(Fail))
            return $"Unknown simulator failure '{Fail}'. Known: {string.Join(", ", FailureKinds.All)}.";
        if (UsageMode is not ("separate" or "with-last-choice" or "none"))
            return $"Unknown usage mode '{UsageMode}'. Known: separate, with-last-choice, none.";
        return null;
    }

    // Header values cannot hold new lines; "b64:" lets a test send any scripted answer.
    private static string DecodeHeader(StringValues value)
    {
        var text = value.ToString();
        return text.StartsWith("b64:", StringComparison.Ordinal)
            ? Encoding.UTF8.GetString(Convert.FromBase64String(text[4..]))
            : text;
    }

    private static string? Get(Dictionary<string, string> values, string key) =>
        values.TryGetValue(key, out var value) && value.Length > 0 ? value : null;

    private static int? GetInt(Dictionary<string, string> values, string key) =>
        Get(values, key) is { } text && int.TryParse(text, out var number) && number >= 0 ? number : null;

    private static bool GetBool(Dictionary<string, string> values, string key) =>
        Get(values, key) is { } text && (text == "1" || text.Equals("true", StringComparison.OrdinalIgnoreCase));
}
