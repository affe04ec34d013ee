using System.Text.Json;

namespace LlmOps.Evaluator.Features.Checks;

/// <summary>
/// Validates a JSON value against a JSON Schema, for the "json-schema" check. Written here because no schema
/// library is obtainable on the build machines; it covers the subset of draft 2020-12 and draft-07 that
/// structured-output schemas use.
/// </summary>
/// <remarks>
/// Supported: <c>type</c> (<c>integer</c> accepts 3.0), <c>enum</c>, <c>const</c>, <c>properties</c>, <c>required</c>,
/// <c>additionalProperties</c>, <c>patternProperties</c>, <c>propertyNames</c>, <c>minProperties</c>,
/// <c>maxProperties</c>, <c>dependentRequired</c>, <c>dependentSchemas</c>, draft-07 <c>dependencies</c>,
/// <c>items</c> (a schema, or the draft-07 array form read as <c>prefixItems</c> with <c>additionalItems</c> for the
/// rest), <c>prefixItems</c>, <c>contains</c>/<c>minContains</c>/<c>maxContains</c>, <c>minItems</c>, <c>maxItems</c>,
/// <c>uniqueItems</c>, <c>minLength</c>/<c>maxLength</c> (Unicode code points), <c>pattern</c> (.NET regex, unanchored,
/// with a match timeout), <c>minimum</c>, <c>maximum</c>, <c>exclusiveMinimum</c>/<c>exclusiveMaximum</c> (number form;
/// the draft-04 boolean form is ignored), <c>multipleOf</c>, <c>allOf</c>, <c>anyOf</c>, <c>oneOf</c>, <c>not</c>,
/// <c>if</c>/<c>then</c>/<c>else</c>, boolean schemas, and local <c>$ref</c> (<c>#</c>, <c>#/$defs/x</c>,
/// <c>#/definitions/x</c>, any JSON pointer with <c>~0</c>/<c>~1</c> and percent escapes) evaluated beside its sibling
/// keywords as 2020-12 does. Numbers compare as <see cref="decimal"/> when both sides are exact in it, as
/// <see cref="double"/> otherwise. <c>format</c> and unknown keywords are annotations and are ignored.
/// <para>
/// Not supported, and rejected by <see cref="SchemaProblem"/> rather than silently ignored (a check that passes
/// everything would be worse than a 400): remote or <c>$id</c>/<c>$anchor</c> references, <c>$dynamicRef</c>,
/// <c>$recursiveRef</c>, <c>unevaluatedProperties</c>, <c>unevaluatedItems</c>.
/// </para>
/// </remarks>
public static class JsonSchemaValidator
{
    /// <summary>Past this many errors a report stops growing: the first ones explain the failure, and the score's
    /// explanation has to stay short.</summary>
    public const int MaxErrors = 20;

    /// <summary>
    /// Empty when <paramref name="instance"/> is valid; otherwise up to <see cref="MaxErrors"/> messages, each starting
    /// with the JSON Pointer of the failing location (<c>/</c> for the document itself), e.g.
    /// <c>/items/2/price: 3 is below the minimum 5</c>.
    /// </summary>
    public static IReadOnlyList<string> Validate(JsonElement instance, JsonElement schema)
    {
        var evaluation = new SchemaEvaluation(schema);
        evaluation.Evaluate(instance, schema, report: true);
        return evaluation.Errors;
    }

    /// <summary>
    /// Null when <paramref name="schema"/> can be used; otherwise why not (a keyword of the wrong JSON type, a
    /// <c>$ref</c> that does not resolve or loops without consuming the instance, an invalid <c>pattern</c>, an
    /// unsupported keyword). Meant for configuration time, so that a bad schema is refused once with a 400 instead of
    /// failing every trace.
    /// </summary>
    public static string? SchemaProblem(JsonElement schema) => SchemaChecker.FindProblem(schema);
}
