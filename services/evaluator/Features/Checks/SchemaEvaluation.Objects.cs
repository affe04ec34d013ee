using System.Runtime.InteropServices;
using System.Text.Json;

namespace LlmOps.Evaluator.Features.Checks;

/// <summary>The keywords of objects.</summary>
internal sealed partial class SchemaEvaluation
{
    private bool EvaluateObject(JsonElement instance, JsonElement schema, bool report)
    {
        var valid = true;
        var hasProperties = schema.TryGetProperty("properties"u8, out var properties) && properties.ValueKind == JsonValueKind.Object;
        var hasPatterns = schema.TryGetProperty("patternProperties"u8, out var patterns) && patterns.ValueKind == JsonValueKind.Object;
        var hasAdditional = schema.TryGetProperty("additionalProperties"u8, out var additional);
        var hasNames = schema.TryGetProperty("propertyNames"u8, out var propertyNames);
        var count = 0;
        foreach (var property in instance.EnumerateObject())
        {
            count++;
            if (!hasProperties && !hasPatterns && !hasAdditional && !hasNames)
                continue;
            _path.Push(property);
            try
            {
                var declared = false;
                if (hasProperties && TryGetDeclared(properties, property, out var declaredSchema))
                {
                    declared = true;
                    if (!Continue(ref valid, Evaluate(property.Value, declaredSchema, report), report))
                        return false;
                }
                if (hasPatterns)
                {
                    foreach (var pattern in patterns.EnumerateObject())
                    {
                        if (SchemaPatterns.IsMatch(pattern.Name, property.Name) != true)
                            continue;
                        declared = true;
                        if (!Continue(ref valid, Evaluate(property.Value, pattern.Value, report), report))
                            return false;
                    }
                }
                if (!declared && hasAdditional)
                {
                    if (additional.ValueKind == JsonValueKind.False)
                    {
                        if (report)
                            Fail("is not an allowed property (additionalProperties is false)");
                        if (!Continue(ref valid, false, report))
                            return false;
                    }
                    else if (!Continue(ref valid, Evaluate(property.Value, additional, report), report))
                    {
                        return false;
                    }
                }
                if (hasNames && !Continue(ref valid, EvaluatePropertyName(property, propertyNames, report), report))
                    return false;
            }
            finally
            {
                _path.Pop();
            }
        }

        if (schema.TryGetProperty("required"u8, out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray())
            {
                if (name.ValueKind != JsonValueKind.String || HasProperty(instance, name))
                    continue;
                if (report)
                    Fail($"is missing the required property {name.GetRawText()}");
                if (!Continue(ref valid, false, report))
                    return false;
            }
        }
        if (TryGetCount(schema, "minProperties"u8, out var min) && count < min)
        {
            if (report)
                Fail($"has {Plural(count, "property", "properties")}, fewer than the minimum {min}");
            if (!Continue(ref valid, false, report))
                return false;
        }
        if (TryGetCount(schema, "maxProperties"u8, out var max) && count > max)
        {
            if (report)
                Fail($"has {Plural(count, "property", "properties")}, more than the maximum {max}");
            if (!Continue(ref valid, false, report))
                return false;
        }
        return EvaluateDependencies(instance, schema, report) && valid;
    }

    /// <summary>dependentRequired, dependentSchemas, and draft-07 dependencies (which holds either form).</summary>
    private bool EvaluateDependencies(JsonElement instance, JsonElement schema, bool report)
    {
        var valid = true;
        foreach (var keyword in (ReadOnlySpan<string>)["dependentRequired", "dependentSchemas", "dependencies"])
        {
            if (!schema.TryGetProperty(keyword, out var dependencies) || dependencies.ValueKind != JsonValueKind.Object)
                continue;
            foreach (var dependency in dependencies.EnumerateObject())
            {
                if (!TryGetDeclared(instance, dependency, out _))
                    continue;
                if (dependency.Value.ValueKind == JsonValueKind.Array)
                {
                    foreach (var name in dependency.Value.EnumerateArray())
                    {
                        if (name.ValueKind != JsonValueKind.String || HasProperty(instance, name))
                            continue;
                        if (report)
                            Fail($"has \"{dependency.Name}\", so it also needs the property {name.GetRawText()}");
                        if (!Continue(ref valid, false, report))
                            return false;
                    }
                }
                else if (!Continue(ref valid, Evaluate(instance, dependency.Value, report), report))
                {
                    return false;
                }
            }
        }
        return valid;
    }

    private bool EvaluatePropertyName(JsonProperty property, JsonElement propertyNames, bool report)
    {
        if (propertyNames.ValueKind == JsonValueKind.True)
            return true;
        var name = JsonSerializer.SerializeToElement(property.Name);
        if (Evaluate(name, propertyNames, report: false))
            return true;
        if (report)
            Fail("is not an allowed property name (propertyNames)");
        return false;
    }

    /// <summary>Looks a property up by the other object's property name, without making a string of the name unless
    /// it holds JSON escapes.</summary>
    private static bool TryGetDeclared(JsonElement obj, JsonProperty property, out JsonElement value)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        return raw.IndexOf((byte)'\\') < 0 ? obj.TryGetProperty(raw, out value) : obj.TryGetProperty(property.Name, out value);
    }

    private static bool HasProperty(JsonElement obj, JsonElement name)
    {
        var raw = JsonMarshal.GetRawUtf8Value(name);
        return raw.Length >= 2 && raw.IndexOf((byte)'\\') < 0
            ? obj.TryGetProperty(raw[1..^1], out _)
            : obj.TryGetProperty(name.GetString()!, out _);
    }
}
