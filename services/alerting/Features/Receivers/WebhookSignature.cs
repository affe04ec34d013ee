using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LlmOps.Alerting.Features.Receivers;

/// <summary>
/// The webhook signature: <c>sha256=</c> + lowercase hex of HMAC-SHA256(secret, <c>{timestamp}.{body}</c>), where the
/// timestamp is the <c>X-LlmOps-Timestamp</c> header (Unix seconds). Signing the timestamp with the body lets a receiver
/// reject a captured request replayed later: it checks the signature, then that the timestamp is recent.
/// </summary>
public static class WebhookSignature
{
    public const string Prefix = "sha256=";

    /// <summary>How old a signed request may be before <see cref="Verify"/> calls it a replay.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    public static string Sign(string secret, long timestamp, string body)
    {
        var signed = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + "." + body);
        return Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>What a receiving endpoint does: the signature matches (in constant time) and the timestamp is within tolerance of now.</summary>
    public static bool Verify(string secret, string? timestampHeader, string body, string? signatureHeader, DateTimeOffset now, TimeSpan? tolerance = null)
    {
        if (signatureHeader is null || !long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
            return false;
        var age = now - DateTimeOffset.FromUnixTimeSeconds(timestamp);
        if (age.Duration() > (tolerance ?? DefaultTolerance))
            return false;
        var expected = Encoding.ASCII.GetBytes(Sign(secret, timestamp, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signatureHeader.Trim().ToLowerInvariant()));
    }
}
