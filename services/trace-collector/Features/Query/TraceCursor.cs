using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmOps.TraceCollector.Features.Query;

/// <summary>
/// Where a page of <c>GET /api/traces</c> ended: the last item's sort key (start time, id, and project, since the admin
/// lists several projects and trace ids are unique only within one). Keyset pagination: the next page starts strictly
/// after this key, so inserts between requests never shift or repeat items the way an offset would.
/// Opaque to clients: base64url of a small JSON object, exact to the tick.
/// </summary>
public sealed record TraceCursor(
    [property: JsonPropertyName("t")] long StartTicks,
    [property: JsonPropertyName("i")] string Id,
    [property: JsonPropertyName("p")] string ProjectId)
{
    public DateTime StartTime => new(StartTicks, DateTimeKind.Utc);

    public static TraceCursor After(DateTime startTime, string id, string projectId) => new(startTime.Ticks, id, projectId);

    public string Encode() => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(this));

    public static bool TryDecode(string text, out TraceCursor? cursor)
    {
        cursor = null;
        try
        {
            var decoded = JsonSerializer.Deserialize<TraceCursor>(Base64Url.DecodeFromChars(text));
            if (decoded is { Id.Length: > 0, ProjectId.Length: > 0 }
                && decoded.StartTicks >= DateTime.MinValue.Ticks && decoded.StartTicks <= DateTime.MaxValue.Ticks)
                cursor = decoded;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
        }
        return cursor is not null;
    }
}
