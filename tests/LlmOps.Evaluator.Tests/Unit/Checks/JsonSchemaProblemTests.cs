using LlmOps.Evaluator.Features.Checks;
using static LlmOps.Evaluator.Tests.Unit.Checks.JsonSchemaKeywordTests;

namespace LlmOps.Evaluator.Tests.Unit.Checks;

/// <summary>Schemas refused at configuration time, each with the reason a user can act on.</summary>
public class JsonSchemaProblemTests
{
    [Theory]
    [InlineData("'string'", "# must be a schema (an object or a boolean), not a string")]
    [InlineData("{'type':'text'}", "#/type: \"text\" is not a JSON Schema type")]
    [InlineData("{'type':['string','string']}", "#/type lists \"string\" twice")]
    [InlineData("{'type':5}", "#/type must be a type name or a non-empty array of them")]
    [InlineData("{'properties':{'age':{'minimum':'18'}}}", "#/properties/age/minimum must be a number, not a string")]
    [InlineData("{'minLength':-1}", "#/minLength must be a non-negative integer")]
    [InlineData("{'maxItems':1.5}", "#/maxItems must be a non-negative integer")]
    [InlineData("{'required':'name'}", "#/required must be an array of property names")]
    [InlineData("{'required':['a',1]}", "#/required must hold only strings, not 1")]
    [InlineData("{'enum':[]}", "#/enum must be a non-empty array")]
    [InlineData("{'multipleOf':0}", "#/multipleOf must be a number above 0")]
    [InlineData("{'uniqueItems':'yes'}", "#/uniqueItems must be a boolean")]
    [InlineData("{'anyOf':[]}", "#/anyOf must be a non-empty array of schemas")]
    [InlineData("{'allOf':{'type':'string'}}", "#/allOf must be a non-empty array of schemas")]
    [InlineData("{'items':[{'type':'string'},3]}", "#/items/1 must be a schema (an object or a boolean), not a number")]
    [InlineData("{'properties':[]}", "#/properties must be an object of schemas")]
    [InlineData("{'not':null}", "#/not must be a schema (an object or a boolean), not null")]
    [InlineData("{'$ref':'#/$defs/missing'}", "#/$ref: \"#/$defs/missing\" does not resolve to anything in the schema")]
    [InlineData("{'$ref':'other.json#/a'}", "#/$ref: only local references (\"#\" or \"#/...\") are supported, not \"other.json#/a\"")]
    [InlineData("{'$ref':'#node'}", "#/$ref: only local references (\"#\" or \"#/...\") are supported, not \"#node\"")]
    [InlineData("{'$ref':'#/enum/0','enum':[5]}", "#/enum/0 must be a schema (an object or a boolean), not a number")]
    [InlineData("{'$ref':'#'}", "#: the $ref loops back to itself without going into the value, so validation would never end")]
    [InlineData("{'unevaluatedProperties':false}", "#/unevaluatedProperties: the keyword unevaluatedProperties is not supported")]
    [InlineData("{'$defs':{'x':{'$dynamicRef':'#meta'}}}", "#/$defs/x/$dynamicRef: the keyword $dynamicRef is not supported")]
    public void Unusable_schema_is_refused_with_the_reason(string schema, string problem)
    {
        Assert.Equal(problem, JsonSchemaValidator.SchemaProblem(Json(schema)));
    }

    [Fact]
    public void Invalid_pattern_is_refused_naming_the_pattern()
    {
        var problem = JsonSchemaValidator.SchemaProblem(Json("{'properties':{'code':{'pattern':'^[A-Z'}}}"));

        Assert.StartsWith("#/properties/code/pattern: \"^[A-Z\" is not a valid regular expression", problem);
    }

    [Fact]
    public void Invalid_pattern_property_name_is_refused()
    {
        Assert.StartsWith("#/patternProperties/(: \"(\" is not a valid regular expression",
            JsonSchemaValidator.SchemaProblem(Json("{'patternProperties':{'(':{}}}")));
    }

    [Fact]
    public void Definitions_referring_to_each_other_in_place_are_a_loop()
    {
        var problem = JsonSchemaValidator.SchemaProblem(Json("{'$defs':{'a':{'anyOf':[{'$ref':'#/$defs/b'}]},'b':{'not':{'$ref':'#/$defs/a'}}},'properties':{'x':{'$ref':'#/$defs/a'}}}"));

        Assert.EndsWith("the $ref loops back to itself without going into the value, so validation would never end", problem);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("false")]
    [InlineData("{}")]
    [InlineData("{'$ref':'#/$defs/node','$defs':{'node':{'properties':{'next':{'$ref':'#/$defs/node'}}}}}")]
    [InlineData("{'$schema':'https://json-schema.org/draft/2020-12/schema','$id':'https://example.com/s','title':'x','format':'uuid','x-extra':{'minimum':'ignored'}}")]
    [InlineData("{'exclusiveMinimum':true,'minimum':0}")]
    [InlineData("{'minLength':2.0}")]
    public void Usable_schema_has_no_problem(string schema)
    {
        Assert.Null(JsonSchemaValidator.SchemaProblem(Json(schema)));
    }
}
