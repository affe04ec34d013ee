using System.Text.Json;

namespace LlmOps.Evaluator.Features.Checks;

/// <summary>The keywords about the value itself: type, enum, const, and those of strings and numbers.</summary>
internal sealed partial class SchemaEvaluation
{
    private bool EvaluateScalarKeywords(JsonElement instance, JsonElement schema, bool report)
    {
        var valid = true;
        if (schema.TryGetProperty("type"u8, out var type) && !Continue(ref valid, EvaluateType(instance, type, report), report))
            return false;
        if (schema.TryGetProperty("enum"u8, out var allowed) && allowed.ValueKind == JsonValueKind.Array)
        {
            var found = false;
            foreach (var candidate in allowed.EnumerateArray())
                if (found = JsonElement.DeepEquals(instance, candidate))
                    break;
            if (!found && report)
                Fail($"{Show(instance)} is not one of the allowed values {Show(allowed)}");
            if (!Continue(ref valid, found, report))
                return false;
        }
        if (schema.TryGetProperty("const"u8, out var constant) && !JsonElement.DeepEquals(instance, constant))
        {
            if (report)
                Fail($"{Show(instance)} is not the required value {Show(constant)}");
            if (!Continue(ref valid, false, report))
                return false;
        }
        if (instance.ValueKind == JsonValueKind.String && !Continue(ref valid, EvaluateString(instance, schema, report), report))
            return false;
        if (instance.ValueKind == JsonValueKind.Number && !Continue(ref valid, EvaluateNumber(instance, schema, report), report))
            return false;
        return valid;
    }

    private bool EvaluateType(JsonElement instance, JsonElement type, bool report)
    {
        if (type.ValueKind == JsonValueKind.String)
        {
            if (IsOfType(instance, type))
                return true;
        }
        else if (type.ValueKind == JsonValueKind.Array)
        {
            foreach (var option in type.EnumerateArray())
                if (IsOfType(instance, option))
                    return true;
        }
        else
        {
            return true;
        }
        if (report)
            Fail($"is {Describe(instance)}, expected {(type.ValueKind == JsonValueKind.String ? type.GetString() : string.Join(" or ", type.EnumerateArray().Select(t => t.ToString())))}");
        return false;
    }

    private static bool IsOfType(JsonElement instance, JsonElement type) => instance.ValueKind switch
    {
        JsonValueKind.Object => type.ValueEquals("object"u8),
        JsonValueKind.Array => type.ValueEquals("array"u8),
        JsonValueKind.String => type.ValueEquals("string"u8),
        JsonValueKind.Number => type.ValueEquals("number"u8) || (type.ValueEquals("integer"u8) && JsonNumber.Of(instance).IsInteger),
        JsonValueKind.True or JsonValueKind.False => type.ValueEquals("boolean"u8),
        JsonValueKind.Null => type.ValueEquals("null"u8),
        _ => false,
    };

    private static string Describe(JsonElement instance) => instance.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => JsonNumber.Of(instance).IsInteger ? "an integer" : "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private bool EvaluateString(JsonElement instance, JsonElement schema, bool report)
    {
        var valid = true;
        string? text = null;
        var hasMin = TryGetCount(schema, "minLength"u8, out var min);
        var hasMax = TryGetCount(schema, "maxLength"u8, out var max);
        if (hasMin || hasMax)
        {
            text = instance.GetString()!;
            // Code points, as the specification counts: an emoji is one character, not two UTF-16 units.
            var length = CodePoints(text);
            if (hasMin && length < min)
            {
                if (report)
                    Fail($"is {Plural(length, "character", "characters")} long, shorter than the minimum length {min}");
                if (!Continue(ref valid, false, report))
                    return false;
            }
            if (hasMax && length > max)
            {
                if (report)
                    Fail($"is {Plural(length, "character", "characters")} long, longer than the maximum length {max}");
                if (!Continue(ref valid, false, report))
                    return false;
            }
        }
        if (schema.TryGetProperty("pattern"u8, out var pattern) && pattern.ValueKind == JsonValueKind.String)
        {
            var expression = pattern.GetString()!;
            switch (SchemaPatterns.IsMatch(expression, text ??= instance.GetString()!))
            {
                case true:
                    break;
                case false:
                    if (report)
                        Fail($"{Show(instance)} does not match the pattern {expression}");
                    return Continue(ref valid, false, report) && valid;
                case null:
                    if (report)
                        Fail($"could not be matched against the pattern {expression} (invalid, or too slow)");
                    return Continue(ref valid, false, report) && valid;
            }
        }
        return valid;
    }

    private static int CodePoints(string text)
    {
        var count = text.Length;
        for (var i = 0; i + 1 < text.Length; i++)
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]))
                count--;
        return count;
    }

    private bool EvaluateNumber(JsonElement instance, JsonElement schema, bool report)
    {
        var valid = true;
        var value = JsonNumber.Of(instance);
        if (!Continue(ref valid, Bound(instance, value, schema, "minimum"u8, c => c >= 0, "is below the minimum", report), report)
            || !Continue(ref valid, Bound(instance, value, schema, "maximum"u8, c => c <= 0, "is above the maximum", report), report)
            || !Continue(ref valid, Bound(instance, value, schema, "exclusiveMinimum"u8, c => c > 0, "is not above the exclusive minimum", report), report)
            || !Continue(ref valid, Bound(instance, value, schema, "exclusiveMaximum"u8, c => c < 0, "is not below the exclusive maximum", report), report))
            return false;
        if (schema.TryGetProperty("multipleOf"u8, out var divisor) && divisor.ValueKind == JsonValueKind.Number
            && JsonNumber.Compare(JsonNumber.Of(divisor), default) > 0 && !value.IsMultipleOf(JsonNumber.Of(divisor)))
        {
            if (report)
                Fail($"{Show(instance)} is not a multiple of {Show(divisor)}");
            return Continue(ref valid, false, report) && valid;
        }
        return valid;
    }

    /// <summary>One bound; <paramref name="holds"/> receives value compared with the limit. A boolean limit is the
    /// draft-04 form of the exclusive keywords, and is ignored.</summary>
    private bool Bound(JsonElement instance, JsonNumber value, JsonElement schema, ReadOnlySpan<byte> keyword, Func<int, bool> holds, string failure, bool report)
    {
        if (!schema.TryGetProperty(keyword, out var limit) || limit.ValueKind != JsonValueKind.Number)
            return true;
        if (holds(JsonNumber.Compare(value, JsonNumber.Of(limit))))
            return true;
        if (report)
            Fail($"{Show(instance)} {failure} {Show(limit)}");
        return false;
    }

    /// <summary>A non-negative integer keyword such as minLength; absent or malformed counts as absent.</summary>
    private static bool TryGetCount(JsonElement schema, ReadOnlySpan<byte> keyword, out long count)
    {
        count = 0;
        if (!schema.TryGetProperty(keyword, out var value) || value.ValueKind != JsonValueKind.Number)
            return false;
        if (value.TryGetInt64(out count))
            return count >= 0;
        // 2.0 is a valid count too; anything larger than long is no limit worth checking.
        return value.TryGetDouble(out var approximate) && double.IsInteger(approximate) && approximate >= 0
            && approximate < long.MaxValue && (count = (long)approximate) >= 0;
    }
}
