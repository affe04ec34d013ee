using System.Text.Json;

namespace LlmOps.Evaluator.Features.Checks;

/// <summary>The keywords of arrays.</summary>
internal sealed partial class SchemaEvaluation
{
    private bool EvaluateArray(JsonElement instance, JsonElement schema, bool report)
    {
        var valid = true;
        var length = instance.GetArrayLength();
        // 2020-12 spells the positional schemas prefixItems and the rest items; draft-07 spells them items (as an
        // array) and additionalItems.
        var hasPrefix = schema.TryGetProperty("prefixItems"u8, out var prefix) && prefix.ValueKind == JsonValueKind.Array;
        schema.TryGetProperty("items"u8, out var items);
        JsonElement rest = items;
        if (!hasPrefix && items.ValueKind == JsonValueKind.Array)
        {
            (hasPrefix, prefix) = (true, items);
            schema.TryGetProperty("additionalItems"u8, out rest);
        }
        var prefixLength = hasPrefix ? prefix.GetArrayLength() : 0;
        var hasRest = rest.ValueKind is JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False;
        if (prefixLength > 0 || hasRest)
        {
            var index = 0;
            foreach (var item in instance.EnumerateArray())
            {
                var itemSchema = index < prefixLength ? prefix[index] : rest;
                if (index < prefixLength || hasRest)
                {
                    _path.Push(index);
                    var ok = itemSchema.ValueKind == JsonValueKind.False && index >= prefixLength
                        ? FailExtraItem(report)
                        : Evaluate(item, itemSchema, report);
                    _path.Pop();
                    if (!Continue(ref valid, ok, report))
                        return false;
                }
                index++;
            }
        }
        if (TryGetCount(schema, "minItems"u8, out var min) && length < min)
        {
            if (report)
                Fail($"has {Plural(length, "item", "items")}, fewer than the minimum {min}");
            if (!Continue(ref valid, false, report))
                return false;
        }
        if (TryGetCount(schema, "maxItems"u8, out var max) && length > max)
        {
            if (report)
                Fail($"has {Plural(length, "item", "items")}, more than the maximum {max}");
            if (!Continue(ref valid, false, report))
                return false;
        }
        if (schema.TryGetProperty("uniqueItems"u8, out var unique) && unique.ValueKind == JsonValueKind.True
            && !Continue(ref valid, EvaluateUnique(instance, length, report), report))
            return false;
        if (schema.TryGetProperty("contains"u8, out var contains) && !Continue(ref valid, EvaluateContains(instance, schema, contains, report), report))
            return false;
        return valid;
    }

    private bool FailExtraItem(bool report)
    {
        if (report)
            Fail("is not allowed: the array has more items than the schema lists");
        return false;
    }

    private bool EvaluateUnique(JsonElement instance, int length, bool report)
    {
        // Quadratic, and fine for the arrays of model outputs; kinds are compared first because DeepEquals is not free.
        for (var i = 0; i < length; i++)
        {
            var left = instance[i];
            for (var j = i + 1; j < length; j++)
            {
                var right = instance[j];
                if (left.ValueKind == right.ValueKind && JsonElement.DeepEquals(left, right))
                {
                    if (report)
                        Fail($"items {i} and {j} are equal, but uniqueItems requires distinct items");
                    return false;
                }
            }
        }
        return true;
    }

    private bool EvaluateContains(JsonElement instance, JsonElement schema, JsonElement contains, bool report)
    {
        var hasMin = TryGetCount(schema, "minContains"u8, out var min);
        if (!hasMin)
            min = 1;
        var hasMax = TryGetCount(schema, "maxContains"u8, out var max);
        var matches = 0;
        foreach (var item in instance.EnumerateArray())
        {
            if (Evaluate(item, contains, report: false))
                matches++;
            if (!hasMax && matches >= min)
                return true;
        }
        if (matches < min)
        {
            if (report)
                Fail(matches == 0
                    ? "contains no item that matches the \"contains\" schema"
                    : $"contains {Plural(matches, "item", "items")} that match the \"contains\" schema, fewer than minContains {min}");
            return false;
        }
        if (hasMax && matches > max)
        {
            if (report)
                Fail($"contains {Plural(matches, "item", "items")} that match the \"contains\" schema, more than maxContains {max}");
            return false;
        }
        return true;
    }
}
