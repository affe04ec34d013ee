using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace LlmOps.Evaluator.Features.Checks;

/// <summary>
/// Resolves a local <c>$ref</c> (<c>#</c> or <c>#/a/b</c>) inside the root schema. The fragment is a URI-escaped
/// JSON Pointer, so a segment is percent-decoded and then has <c>~1</c> turned into <c>/</c> and <c>~0</c> into
/// <c>~</c>, in that order.
/// </summary>
internal static class LocalSchemaRef
{
    public static bool TryResolve(JsonElement root, JsonElement reference, out JsonElement target)
    {
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(reference);
        // The raw value keeps its quotes and JSON escapes; the rare escaped reference takes the allocating path.
        if (raw.Length >= 2 && raw.IndexOf((byte)'\\') < 0)
            return TryResolve(root, raw[1..^1], out target);
        return TryResolve(root, Encoding.UTF8.GetBytes(reference.GetString() ?? ""), out target);
    }

    public static bool TryResolve(JsonElement root, ReadOnlySpan<byte> reference, out JsonElement target)
    {
        target = root;
        if (reference.IsEmpty || reference[0] != (byte)'#')
            return false;
        var rest = reference[1..];
        if (rest.IsEmpty)
            return true;
        if (rest[0] != (byte)'/')
            return false; // "#name" is an $anchor, which is not supported.
        while (!rest.IsEmpty)
        {
            rest = rest[1..];
            var end = rest.IndexOf((byte)'/');
            var segment = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[end..];
            if (segment.IndexOfAny((byte)'~', (byte)'%') >= 0)
                segment = Decode(segment);
            if (!TryStep(ref target, segment))
                return false;
        }
        return true;
    }

    private static bool TryStep(ref JsonElement current, ReadOnlySpan<byte> segment)
    {
        switch (current.ValueKind)
        {
            case JsonValueKind.Object:
                return current.TryGetProperty(segment, out current);
            case JsonValueKind.Array:
                // A pointer index has no sign and no leading zero.
                if (segment.IsEmpty || (segment.Length > 1 && segment[0] == (byte)'0') || segment[0] == (byte)'-'
                    || !Utf8Parser.TryParse(segment, out int index, out var consumed) || consumed != segment.Length
                    || index >= current.GetArrayLength())
                    return false;
                current = current[index];
                return true;
            default:
                return false;
        }
    }

    private static byte[] Decode(ReadOnlySpan<byte> segment)
    {
        var text = Encoding.UTF8.GetString(segment);
        if (text.Contains('%'))
            text = Uri.UnescapeDataString(text);
        return Encoding.UTF8.GetBytes(text.Replace("~1", "/").Replace("~0", "~"));
    }

    /// <summary>The canonical "#/a/b" form of a resolvable reference, so that two spellings of one target match.</summary>
    public static string Canonical(ReadOnlySpan<byte> reference)
    {
        var builder = new StringBuilder("#");
        var rest = reference.Length > 1 ? reference[1..] : [];
        while (!rest.IsEmpty)
        {
            rest = rest[1..];
            var end = rest.IndexOf((byte)'/');
            var segment = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[end..];
            var name = segment.IndexOfAny((byte)'~', (byte)'%') >= 0 ? Encoding.UTF8.GetString(Decode(segment)) : Encoding.UTF8.GetString(segment);
            builder.Append('/').Append(EscapeSegment(name));
        }
        return builder.ToString();
    }

    public static string EscapeSegment(string name) =>
        name.AsSpan().IndexOfAny('~', '/') < 0 ? name : name.Replace("~", "~0").Replace("/", "~1");
}
