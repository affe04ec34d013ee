using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LlmOps.InferenceProxy.Features.Guardrails;

/// <summary>
/// Checks a model's JSON answer against the schema the request asked for (<c>response_format</c>), covering the part
/// of JSON Schema that structured outputs use: <c>type</c> (one or several), <c>properties</c>, <c>required</c>,
/// <c>additionalProperties</c>, <c>items</c>, <c>enum</c>, <c>const</c>, <c>anyOf</c> / <c>oneOf</c> / <c>allOf</c>,
/// numeric and length bounds, <c>pattern</c>, and local <c>$ref</c>s into <c>$defs</c> / <c>definitions</c>.
/// Keywords outside that set are ignored rather than failing the answer.
/// </summary>
public static class JsonSchemaCheck
{
    private const int MaxErrors = 5;
    private const int MaxDepth = 64;

    /// <summary>The problems found (empty when the answer conforms). Text that is not JSON is one problem.</summary>
    public static List<string> Validate(string text, JsonElement schema)
    {
        var errors = new List<string>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            errors.Add("the answer is not valid JSON");
            return errors;
        }
        using (document)
            Check(document.RootElement, schema, schema, "$", errors, 0);
        return errors;
    }

    private static void Check(JsonElement value, JsonElement schema, JsonElement root, string path, List<string> errors, int depth)
    {
        if (errors.Count >= MaxErrors || depth > MaxDepth || schema.ValueKind != JsonValueKind.Object)
            return;
        if (schema.TryGetProperty("$ref", out var reference) && Resolve(root, reference.GetString()) is { } target)
        {
            Check(value, target, root, path, errors, depth + 1);
            return;
        }
        if (schema.TryGetProperty("type", out var type) && !TypeMatches(value, type))
        {
            errors.Add($"{path}: expected {type.ToString()}, got {Kind(value)}");
            return;
        }
        if (schema.TryGetProperty("enum", out var choices) && choices.ValueKind == JsonValueKind.Array
            && !choices.EnumerateArray().Any(choice => JsonElement.DeepEquals(choice, value)))
            errors.Add($"{path}: not one of the allowed values");
        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
            errors.Add($"{path}: must equal {constant.GetRawText()}");

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(value, schema, root, path, errors, depth);
                break;
            case JsonValueKind.Array:
                CheckArray(value, schema, root, path, errors, depth);
                break;
            case JsonValueKind.String:
                CheckString(value.GetString()!, schema, path, errors);
                break;
            case JsonValueKind.Number:
                CheckNumber(value.GetDouble(), schema, path, errors);
                break;
        }

        if (schema.TryGetProperty("allOf", out var all) && all.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in all.EnumerateArray())
                Check(value, part, root, path, errors, depth + 1);
        }
        if (schema.TryGetProperty("anyOf", out var any) && any.ValueKind == JsonValueKind.Array
            && !any.EnumerateArray().Any(part => Conforms(value, part, root, depth)))
            errors.Add($"{path}: matches none of anyOf");
        if (schema.TryGetProperty("oneOf", out var one) && one.ValueKind == JsonValueKind.Array
            && one.EnumerateArray().Count(part => Conforms(value, part, root, depth)) != 1)
            errors.Add($"{path}: must match exactly one of oneOf");
    }

    private static bool Conforms(JsonElement value, JsonElement schema, JsonElement root, int depth)
    {
        var scratch = new List<string>();
        Check(value, schema, root, "$", scratch, depth + 1);
        return scratch.Count == 0;
    }

    private static void CheckObject(JsonElement value, JsonElement schema, JsonElement root, string path, List<string> errors, int depth)
    {
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray())
            {
                if (name.GetString() is { } n && !value.TryGetProperty(n, out _))
                    errors.Add($"{path}: missing required property '{n}'");
            }
        }
        var hasProperties = schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object;
        schema.TryGetProperty("additionalProperties", out var additional);
        foreach (var property in value.EnumerateObject())
        {
            if (hasProperties && properties.TryGetProperty(property.Name, out var propertySchema))
                Check(property.Value, propertySchema, root, $"{path}.{property.Name}", errors, depth + 1);
            else if (additional.ValueKind == JsonValueKind.False)
                errors.Add($"{path}: property '{property.Name}' is not allowed");
            else if (additional.ValueKind == JsonValueKind.Object)
                Check(property.Value, additional, root, $"{path}.{property.Name}", errors, depth + 1);
        }
    }

    private static void CheckArray(JsonElement value, JsonElement schema, JsonElement root, string path, List<string> errors, int depth)
    {
        var count = value.GetArrayLength();
        if (schema.TryGetProperty("minItems", out var min) && count < min.GetDouble())
            errors.Add($"{path}: fewer than {min} items");
        if (schema.TryGetProperty("maxItems", out var max) && count > max.GetDouble())
            errors.Add($"{path}: more than {max} items");
        if (schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object)
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
                Check(item, items, root, $"{path}[{index++}]", errors, depth + 1);
        }
    }

    private static void CheckString(string value, JsonElement schema, string path, List<string> errors)
    {
        if (schema.TryGetProperty("minLength", out var min) && value.Length < min.GetDouble())
            errors.Add($"{path}: shorter than {min}");
        if (schema.TryGetProperty("maxLength", out var max) && value.Length > max.GetDouble())
            errors.Add($"{path}: longer than {max}");
        if (schema.TryGetProperty("pattern", out var pattern) && pattern.GetString() is { } p)
        {
            try
            {
                if (!Regex.IsMatch(value, p, RegexOptions.None, TimeSpan.FromMilliseconds(50)))
                    errors.Add($"{path}: does not match the pattern");
            }
            catch (Exception ex) when (ex is ArgumentException or RegexMatchTimeoutException)
            {
                // A schema pattern .NET cannot run is the schema's problem, not the answer's.
            }
        }
    }

    private static void CheckNumber(double value, JsonElement schema, string path, List<string> errors)
    {
        if (schema.TryGetProperty("minimum", out var min) && value < min.GetDouble())
            errors.Add($"{path}: below the minimum {min}");
        if (schema.TryGetProperty("maximum", out var max) && value > max.GetDouble())
            errors.Add($"{path}: above the maximum {max}");
        if (schema.TryGetProperty("exclusiveMinimum", out var xmin) && xmin.ValueKind == JsonValueKind.Number && value <= xmin.GetDouble())
            errors.Add($"{path}: not above {xmin}");
        if (schema.TryGetProperty("exclusiveMaximum", out var xmax) && xmax.ValueKind == JsonValueKind.Number && value >= xmax.GetDouble())
            errors.Add($"{path}: not below {xmax}");
    }

    private static bool TypeMatches(JsonElement value, JsonElement type) => type.ValueKind switch
    {
        JsonValueKind.String => IsType(value, type.GetString()!),
        JsonValueKind.Array => type.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.String && IsType(value, t.GetString()!)),
        _ => true,
    };

    private static bool IsType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && double.IsInteger(value.GetDouble()),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Number => double.IsInteger(value.GetDouble()) ? "integer" : "number",
        _ => value.ValueKind.ToString().ToLower(CultureInfo.InvariantCulture),
    };

    private static JsonElement? Resolve(JsonElement root, string? reference)
    {
        if (reference is null || !reference.StartsWith("#/", StringComparison.Ordinal))
            return null;
        var current = root;
        foreach (var segment in reference[2..].Split('/'))
        {
            var name = segment.Replace("~1", "/").Replace("~0", "~");
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
                return null;
        }
        return current;
    }
}
