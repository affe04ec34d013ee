using System.Text.Json;

namespace LlmOps.Evaluator.Features.Checks;

/// <summary>
/// One validation of one instance: walks the schema beside the instance. With <c>report</c> off a branch is only
/// probed (for <c>anyOf</c>, <c>oneOf</c>, <c>not</c>, <c>if</c>, <c>contains</c>) and stops at its first failure.
/// This part holds the dispatch, the applicators that combine schemas, and <c>$ref</c>.
/// </summary>
internal sealed partial class SchemaEvaluation(JsonElement root)
{
    /// <summary>Nested schema evaluations allowed before giving up: deep enough for any real document (JSON
    /// documents are parsed 64 deep by default), shallow enough to stop a <c>$ref</c> loop long before the stack.</summary>
    internal const int MaxDepth = 256;

    /// <summary>How many failing branches an <c>anyOf</c>/<c>oneOf</c> message describes.</summary>
    private const int BranchesExplained = 3;

    private readonly InstancePath _path = new();
    private List<string>? _errors;
    private int _errorLimit = JsonSchemaValidator.MaxErrors;
    private int _depth;

    public IReadOnlyList<string> Errors => _errors is null ? [] : _errors;

    private bool Full => _errors is not null && _errors.Count >= _errorLimit;

    private void Fail(string message)
    {
        if (!Full)
            (_errors ??= []).Add(_path.Render() + ": " + message);
    }

    /// <summary>Records a keyword's outcome; false means stop evaluating this schema (probing, or no room left).</summary>
    private bool Continue(ref bool valid, bool keywordValid, bool report)
    {
        if (keywordValid)
            return true;
        valid = false;
        return report && !Full;
    }

    public bool Evaluate(JsonElement instance, JsonElement schema, bool report)
    {
        switch (schema.ValueKind)
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                if (report)
                    Fail("no value is allowed here (the schema is false)");
                return false;
            case JsonValueKind.Object:
                break;
            default:
                return true; // Not a schema; SchemaProblem reports it, validation does not guess.
        }
        if (_depth >= MaxDepth)
        {
            if (report)
                Fail($"the schema nests more than {MaxDepth} deep here (a $ref that loops?)");
            return false;
        }
        _depth++;
        try
        {
            return EvaluateKeywords(instance, schema, report);
        }
        finally
        {
            _depth--;
        }
    }

    private bool EvaluateKeywords(JsonElement instance, JsonElement schema, bool report)
    {
        var valid = true;
        if (schema.TryGetProperty("$ref"u8, out var reference) && !Continue(ref valid, EvaluateRef(instance, reference, report), report))
            return false;
        if (!Continue(ref valid, EvaluateScalarKeywords(instance, schema, report), report))
            return false;
        if (instance.ValueKind == JsonValueKind.Object && !Continue(ref valid, EvaluateObject(instance, schema, report), report))
            return false;
        if (instance.ValueKind == JsonValueKind.Array && !Continue(ref valid, EvaluateArray(instance, schema, report), report))
            return false;
        if (schema.TryGetProperty("allOf"u8, out var allOf) && allOf.ValueKind == JsonValueKind.Array)
        {
            foreach (var branch in allOf.EnumerateArray())
                if (!Continue(ref valid, Evaluate(instance, branch, report), report))
                    return false;
        }
        if (schema.TryGetProperty("anyOf"u8, out var anyOf) && !Continue(ref valid, EvaluateAnyOf(instance, anyOf, report), report))
            return false;
        if (schema.TryGetProperty("oneOf"u8, out var oneOf) && !Continue(ref valid, EvaluateOneOf(instance, oneOf, report), report))
            return false;
        if (schema.TryGetProperty("not"u8, out var not) && Evaluate(instance, not, report: false))
        {
            if (report)
                Fail("must not match the schema under \"not\"");
            if (!Continue(ref valid, false, report))
                return false;
        }
        if (schema.TryGetProperty("if"u8, out var condition))
        {
            var branchName = Evaluate(instance, condition, report: false) ? "then"u8 : "else"u8;
            if (schema.TryGetProperty(branchName, out var branch) && !Continue(ref valid, Evaluate(instance, branch, report), report))
                return false;
        }
        return valid;
    }

    private bool EvaluateRef(JsonElement instance, JsonElement reference, bool report)
    {
        if (reference.ValueKind == JsonValueKind.String && LocalSchemaRef.TryResolve(root, reference, out var target))
            return Evaluate(instance, target, report);
        if (report)
            Fail($"the schema's $ref {reference.GetRawText()} cannot be resolved");
        return false;
    }

    private bool EvaluateAnyOf(JsonElement instance, JsonElement branches, bool report)
    {
        if (branches.ValueKind != JsonValueKind.Array)
            return true;
        foreach (var branch in branches.EnumerateArray())
            if (Evaluate(instance, branch, report: false))
                return true;
        if (report)
            Fail($"matches none of the {branches.GetArrayLength()} anyOf schemas ({ExplainBranches(instance, branches)})");
        return false;
    }

    private bool EvaluateOneOf(JsonElement instance, JsonElement branches, bool report)
    {
        if (branches.ValueKind != JsonValueKind.Array)
            return true;
        var first = -1;
        var index = 0;
        foreach (var branch in branches.EnumerateArray())
        {
            if (Evaluate(instance, branch, report: false))
            {
                if (first >= 0)
                {
                    if (report)
                        Fail($"matches more than one of the oneOf schemas (#{first} and #{index}), exactly one is required");
                    return false;
                }
                first = index;
            }
            index++;
        }
        if (first >= 0)
            return true;
        if (report)
            Fail($"matches none of the {branches.GetArrayLength()} oneOf schemas ({ExplainBranches(instance, branches)})");
        return false;
    }

    /// <summary>The first error of each of the first few branches, so that a failed anyOf says what was closest.</summary>
    private string ExplainBranches(JsonElement instance, JsonElement branches)
    {
        var (savedErrors, savedLimit) = (_errors, _errorLimit);
        var parts = new List<string>();
        try
        {
            var index = 0;
            foreach (var branch in branches.EnumerateArray())
            {
                if (index == BranchesExplained)
                {
                    parts.Add("…");
                    break;
                }
                (_errors, _errorLimit) = (null, 1);
                Evaluate(instance, branch, report: true);
                parts.Add($"#{index}: {(_errors is [var error, ..] ? error : "fails")}");
                index++;
            }
        }
        finally
        {
            (_errors, _errorLimit) = (savedErrors, savedLimit);
        }
        return string.Join("; ", parts);
    }

    private static string Show(JsonElement value)
    {
        const int Longest = 60;
        var text = value.GetRawText();
        return text.Length <= Longest ? text : string.Concat(text.AsSpan(0, Longest), "…");
    }

    private static string Plural(long count, string one, string many) => count == 1 ? $"1 {one}" : $"{count} {many}";
}
