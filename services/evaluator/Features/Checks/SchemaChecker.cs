using System.Runtime.InteropServices;
using System.Text.Json;

namespace LlmOps.Evaluator.Features.Checks;

/// <summary>
/// Finds why a schema cannot be used, once, at configuration time: the validator itself is lenient about malformed
/// keywords (it skips them), which would make a typo a check that silently passes.
/// </summary>
internal sealed class SchemaChecker
{
    private static readonly HashSet<string> SchemaValued = ["additionalProperties", "additionalItems", "propertyNames", "contains", "not", "if", "then", "else"];
    private static readonly HashSet<string> SchemaArrays = ["allOf", "anyOf", "oneOf", "prefixItems"];
    private static readonly HashSet<string> SchemaMaps = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
    private static readonly HashSet<string> Counts = ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "minContains", "maxContains"];
    private static readonly HashSet<string> Limits = ["minimum", "maximum"];
    private static readonly HashSet<string> TypeNames = ["null", "boolean", "object", "array", "number", "string", "integer"];
    private static readonly HashSet<string> Unsupported = ["$dynamicRef", "$recursiveRef", "unevaluatedProperties", "unevaluatedItems"];

    /// <summary>Applicators that evaluate the same instance location: a cycle of them never ends.</summary>
    private static readonly HashSet<string> InPlace = ["not", "if", "then", "else"];
    private static readonly HashSet<string> InPlaceArrays = ["allOf", "anyOf", "oneOf"];

    private readonly JsonElement _root;
    private readonly HashSet<string> _checked = [];
    private readonly Dictionary<string, List<string>> _inPlaceEdges = [];

    private SchemaChecker(JsonElement root) => _root = root;

    public static string? FindProblem(JsonElement schema)
    {
        var checker = new SchemaChecker(schema);
        return checker.Check(schema, "#") ?? checker.FindLoop();
    }

    private string? Check(JsonElement schema, string location)
    {
        if (!_checked.Add(location))
            return null;
        if (schema.ValueKind is JsonValueKind.True or JsonValueKind.False)
            return null;
        if (schema.ValueKind != JsonValueKind.Object)
            return $"{location} must be a schema (an object or a boolean), not {KindName(schema)}";
        var edges = _inPlaceEdges[location] = [];
        foreach (var keyword in schema.EnumerateObject())
        {
            var name = keyword.Name;
            var value = keyword.Value;
            var at = $"{location}/{LocalSchemaRef.EscapeSegment(name)}";
            var problem = name switch
            {
                "$ref" => CheckRef(value, at, edges),
                "type" => CheckType(value, at),
                "enum" => value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0 ? null : $"{at} must be a non-empty array",
                "required" => CheckNames(value, at),
                "dependentRequired" => CheckDependencies(value, at, allowSchemas: false),
                "dependencies" => CheckDependencies(value, at, allowSchemas: true),
                "items" when value.ValueKind == JsonValueKind.Array => CheckSchemaArray(value, at, inPlace: null),
                "items" => Check(value, at),
                "pattern" => value.ValueKind == JsonValueKind.String ? PatternProblem(value.GetString()!, at) : $"{at} must be a string",
                "multipleOf" => value.ValueKind == JsonValueKind.Number && JsonNumber.Compare(JsonNumber.Of(value), default) > 0 ? null : $"{at} must be a number above 0",
                "exclusiveMinimum" or "exclusiveMaximum" => value.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False ? null : $"{at} must be a number",
                "uniqueItems" => value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : $"{at} must be a boolean",
                "$id" => value.ValueKind == JsonValueKind.String ? null : $"{at} must be a string",
                _ when Unsupported.Contains(name) => $"{at}: the keyword {name} is not supported",
                _ when Limits.Contains(name) => value.ValueKind == JsonValueKind.Number ? null : $"{at} must be a number, not {KindName(value)}",
                _ when Counts.Contains(name) => IsCount(value) ? null : $"{at} must be a non-negative integer",
                _ when SchemaValued.Contains(name) => AddEdge(edges, InPlace.Contains(name), at) ?? Check(value, at),
                _ when SchemaArrays.Contains(name) => CheckSchemaArray(value, at, InPlaceArrays.Contains(name) ? edges : null),
                _ when SchemaMaps.Contains(name) => CheckSchemaMap(value, at, name, name == "dependentSchemas" ? edges : null),
                _ => null, // format, title, description, examples, and anything unknown: annotations.
            };
            if (problem is not null)
                return problem;
        }
        return null;
    }

    private static string? AddEdge(List<string> edges, bool inPlace, string to)
    {
        if (inPlace)
            edges.Add(to);
        return null;
    }

    private string? CheckRef(JsonElement value, string at, List<string> edges)
    {
        if (value.ValueKind != JsonValueKind.String)
            return $"{at} must be a string";
        var reference = value.GetString()!;
        if (!reference.StartsWith('#') || (reference.Length > 1 && reference[1] != '/'))
            return $"{at}: only local references (\"#\" or \"#/...\") are supported, not \"{reference}\"";
        if (!LocalSchemaRef.TryResolve(_root, value, out var target))
            return $"{at}: \"{reference}\" does not resolve to anything in the schema";
        var canonical = LocalSchemaRef.Canonical(System.Text.Encoding.UTF8.GetBytes(reference));
        edges.Add(canonical);
        return Check(target, canonical);
    }

    private static string? CheckType(JsonElement value, string at)
    {
        if (value.ValueKind == JsonValueKind.String)
            return TypeNames.Contains(value.GetString()!) ? null : $"{at}: {value.GetRawText()} is not a JSON Schema type";
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
            return $"{at} must be a type name or a non-empty array of them";
        var seen = new HashSet<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !TypeNames.Contains(item.GetString()!))
                return $"{at}: {item.GetRawText()} is not a JSON Schema type";
            if (!seen.Add(item.GetString()!))
                return $"{at} lists {item.GetRawText()} twice";
        }
        return null;
    }

    private static string? CheckNames(JsonElement value, string at)
    {
        if (value.ValueKind != JsonValueKind.Array)
            return $"{at} must be an array of property names";
        foreach (var item in value.EnumerateArray())
            if (item.ValueKind != JsonValueKind.String)
                return $"{at} must hold only strings, not {item.GetRawText()}";
        return null;
    }

    private string? CheckDependencies(JsonElement value, string at, bool allowSchemas)
    {
        if (value.ValueKind != JsonValueKind.Object)
            return $"{at} must be an object";
        foreach (var dependency in value.EnumerateObject())
        {
            var where = $"{at}/{LocalSchemaRef.EscapeSegment(dependency.Name)}";
            var problem = dependency.Value.ValueKind == JsonValueKind.Array || !allowSchemas
                ? CheckNames(dependency.Value, where)
                : Check(dependency.Value, where);
            if (problem is not null)
                return problem;
        }
        return null;
    }

    private string? CheckSchemaArray(JsonElement value, string at, List<string>? inPlace)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
            return $"{at} must be a non-empty array of schemas";
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var where = $"{at}/{index++}";
            inPlace?.Add(where);
            if (Check(item, where) is { } problem)
                return problem;
        }
        return null;
    }

    private string? CheckSchemaMap(JsonElement value, string at, string keyword, List<string>? inPlace)
    {
        if (value.ValueKind != JsonValueKind.Object)
            return $"{at} must be an object of schemas";
        foreach (var entry in value.EnumerateObject())
        {
            var where = $"{at}/{LocalSchemaRef.EscapeSegment(entry.Name)}";
            if (keyword == "patternProperties" && PatternProblem(entry.Name, where) is { } invalid)
                return invalid;
            inPlace?.Add(where);
            if (Check(entry.Value, where) is { } problem)
                return problem;
        }
        return null;
    }

    private static string? PatternProblem(string pattern, string at) =>
        SchemaPatterns.Problem(pattern) is { } problem ? $"{at}: \"{pattern}\" is not a valid regular expression ({problem})" : null;

    private static bool IsCount(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsInteger(number) && number >= 0;

    private static string KindName(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    /// <summary>A cycle of $ref/allOf/anyOf/oneOf/not/if/then/else/dependentSchemas edges evaluates the same value
    /// forever, e.g. {"$ref": "#"} or two definitions referring to each other in place.</summary>
    private string? FindLoop()
    {
        var state = new Dictionary<string, bool>(); // false: on the current path; true: done.
        foreach (var start in _inPlaceEdges.Keys)
            if (Visit(start, state) is { } loop)
                return $"{loop}: the $ref loops back to itself without going into the value, so validation would never end";
        return null;
    }

    private string? Visit(string node, Dictionary<string, bool> state)
    {
        if (state.TryGetValue(node, out var done))
            return done ? null : node;
        state[node] = false;
        if (_inPlaceEdges.TryGetValue(node, out var edges))
            foreach (var next in edges)
                if (Visit(next, state) is { } loop)
                    return loop;
        state[node] = true;
        return null;
    }
}
