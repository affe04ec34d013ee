using System.Text.Json;
using LlmOps.Evaluator.Features.Checks;

namespace LlmOps.Evaluator.Tests.Unit.Checks;

/// <summary>Every supported keyword with instances on both sides of it. JSON is written with ' for ".</summary>
public class JsonSchemaKeywordTests
{
    internal static JsonElement Json(string text) => JsonDocument.Parse(text.Replace('\'', '"')).RootElement;

    public static TheoryData<string, string, bool> Cases => new()
    {
        // type
        { "{'type':'string'}", "'a'", true },
        { "{'type':'string'}", "1", false },
        { "{'type':'integer'}", "3", true },
        { "{'type':'integer'}", "3.0", true },
        { "{'type':'integer'}", "3.5", false },
        { "{'type':'integer'}", "1e2", true },
        { "{'type':'number'}", "3", true },
        { "{'type':'number'}", "'3'", false },
        { "{'type':'boolean'}", "false", true },
        { "{'type':'boolean'}", "0", false },
        { "{'type':'null'}", "null", true },
        { "{'type':'null'}", "''", false },
        { "{'type':'object'}", "{}", true },
        { "{'type':'object'}", "[]", false },
        { "{'type':'array'}", "[]", true },
        { "{'type':['string','null']}", "null", true },
        { "{'type':['string','null']}", "2", false },
        // enum and const, compared as JSON values (1 equals 1.0, key order does not matter)
        { "{'enum':['a',1,null]}", "1.0", true },
        { "{'enum':['a',1,null]}", "'b'", false },
        { "{'enum':[{'x':1,'y':2}]}", "{'y':2,'x':1}", true },
        { "{'enum':[[1,2]]}", "[2,1]", false },
        { "{'const':{'a':[1,{'b':null}]}}", "{'a':[1,{'b':null}]}", true },
        { "{'const':0}", "false", false },
        { "{'const':'x'}", "'X'", false },
        // strings: lengths in code points
        { "{'minLength':2}", "'ab'", true },
        { "{'minLength':2}", "'a'", false },
        { "{'maxLength':2}", "'abc'", false },
        { "{'maxLength':2}", "'😀😀'", true },
        { "{'minLength':2}", "'😀'", false },
        { "{'maxLength':3}", "'héé'", true },
        { "{'minLength':5}", "12", true },
        { "{'pattern':'^[a-z]+$'}", "'abc'", true },
        { "{'pattern':'^[a-z]+$'}", "'abC'", false },
        { "{'pattern':'b'}", "'abc'", true },
        { "{'pattern':'^\\\\d{3}-\\\\d{4}$'}", "'555-1234'", true },
        { "{'pattern':'^\\\\d{3}-\\\\d{4}$'}", "'555-12345'", false },
        { "{'pattern':'^a'}", "42", true },
        // numbers: exact decimal comparison, double beyond decimal's range
        { "{'minimum':5}", "5", true },
        { "{'minimum':5}", "4.999", false },
        { "{'maximum':5}", "5.0", true },
        { "{'maximum':5}", "5.0000000000000000000001", false },
        { "{'exclusiveMinimum':0}", "0", false },
        { "{'exclusiveMinimum':0}", "1e-30", true },
        { "{'exclusiveMaximum':10}", "9.99", true },
        { "{'exclusiveMaximum':10}", "10", false },
        { "{'maximum':1e300}", "1e301", false },
        { "{'minimum':-1e300}", "-1e299", true },
        { "{'minimum':0.1}", "0.30000000000000001", true },
        { "{'minimum':5}", "'1'", true },
        { "{'multipleOf':0.1}", "0.3", true },
        { "{'multipleOf':0.01}", "19.99", true },
        { "{'multipleOf':0.01}", "19.999", false },
        { "{'multipleOf':2}", "7", false },
        { "{'multipleOf':2}", "1e20", true },
        { "{'exclusiveMinimum':true,'minimum':1}", "1", true },
        // objects
        { "{'properties':{'a':{'type':'string'}}}", "{'a':'x','b':1}", true },
        { "{'properties':{'a':{'type':'string'}}}", "{'a':1}", false },
        { "{'properties':{'a':{'type':'string'}}}", "'not an object'", true },
        { "{'required':['a','b']}", "{'a':1,'b':2}", true },
        { "{'required':['a','b']}", "{'a':1}", false },
        { "{'required':['a']}", "['a']", true },
        { "{'properties':{'a':{}},'additionalProperties':false}", "{'a':1}", true },
        { "{'properties':{'a':{}},'additionalProperties':false}", "{'a':1,'b':2}", false },
        { "{'additionalProperties':{'type':'number'}}", "{'a':1,'b':2}", true },
        { "{'additionalProperties':{'type':'number'}}", "{'a':1,'b':'2'}", false },
        { "{'patternProperties':{'^x-':{'type':'string'}},'additionalProperties':false}", "{'x-a':'1'}", true },
        { "{'patternProperties':{'^x-':{'type':'string'}},'additionalProperties':false}", "{'x-a':1}", false },
        { "{'patternProperties':{'^x-':{'type':'string'}},'additionalProperties':false}", "{'y':'1'}", false },
        { "{'properties':{'caf\\u00e9':{'type':'string'}},'additionalProperties':false}", "{'café':'x'}", true },
        { "{'properties':{'café':{'type':'string'}}}", "{'caf\\u00e9':1}", false },
        { "{'minProperties':2}", "{'a':1}", false },
        { "{'maxProperties':1}", "{'a':1}", true },
        { "{'maxProperties':1}", "{'a':1,'b':2}", false },
        { "{'propertyNames':{'maxLength':3}}", "{'abc':1}", true },
        { "{'propertyNames':{'maxLength':3}}", "{'abcd':1}", false },
        { "{'dependentRequired':{'card':['cvv']}}", "{'card':1,'cvv':2}", true },
        { "{'dependentRequired':{'card':['cvv']}}", "{'card':1}", false },
        { "{'dependentRequired':{'card':['cvv']}}", "{'cash':1}", true },
        { "{'dependentSchemas':{'card':{'required':['cvv']}}}", "{'card':1}", false },
        { "{'dependencies':{'card':['cvv']}}", "{'card':1}", false },
        { "{'dependencies':{'card':{'properties':{'cvv':{'type':'string'}}}}}", "{'card':1,'cvv':'123'}", true },
        // arrays
        { "{'items':{'type':'integer'}}", "[1,2,3]", true },
        { "{'items':{'type':'integer'}}", "[1,'2',3]", false },
        { "{'items':{'type':'integer'}}", "{'0':'x'}", true },
        { "{'prefixItems':[{'type':'string'},{'type':'number'}]}", "['a',1,true]", true },
        { "{'prefixItems':[{'type':'string'},{'type':'number'}]}", "[1,'a']", false },
        { "{'prefixItems':[{'type':'string'}],'items':false}", "['a']", true },
        { "{'prefixItems':[{'type':'string'}],'items':false}", "['a','b']", false },
        { "{'prefixItems':[{'type':'string'}],'items':{'type':'number'}}", "['a',1,2]", true },
        { "{'prefixItems':[{'type':'string'}],'items':{'type':'number'}}", "['a',1,'2']", false },
        { "{'items':[{'type':'string'},{'type':'number'}]}", "['a',1,null]", true },
        { "{'items':[{'type':'string'},{'type':'number'}]}", "[1]", false },
        { "{'items':[{'type':'string'}],'additionalItems':false}", "['a',2]", false },
        { "{'minItems':2}", "[1]", false },
        { "{'minItems':2}", "[1,2]", true },
        { "{'maxItems':2}", "[1,2,3]", false },
        { "{'uniqueItems':true}", "[1,2,3]", true },
        { "{'uniqueItems':true}", "[1,2,1.0]", false },
        { "{'uniqueItems':true}", "[{'a':1,'b':2},{'b':2,'a':1}]", false },
        { "{'uniqueItems':true}", "[[1],[1,1],1,'1']", true },
        { "{'uniqueItems':false}", "[1,1]", true },
        { "{'contains':{'const':'x'}}", "['a','x']", true },
        { "{'contains':{'const':'x'}}", "['a','b']", false },
        { "{'contains':{'const':'x'},'minContains':2}", "['x','a','x']", true },
        { "{'contains':{'const':'x'},'maxContains':1}", "['x','a','x']", false },
        // combinators
        { "{'allOf':[{'minimum':1},{'maximum':3}]}", "2", true },
        { "{'allOf':[{'minimum':1},{'maximum':3}]}", "4", false },
        { "{'anyOf':[{'type':'string'},{'minimum':10}]}", "'a'", true },
        { "{'anyOf':[{'type':'string'},{'minimum':10}]}", "11", true },
        { "{'anyOf':[{'type':'string'},{'minimum':10}]}", "9", false },
        { "{'oneOf':[{'type':'integer'},{'minimum':2}]}", "1", true },
        { "{'oneOf':[{'type':'integer'},{'minimum':2}]}", "2.5", true },
        { "{'oneOf':[{'type':'integer'},{'minimum':2}]}", "3", false },
        { "{'oneOf':[{'type':'integer'},{'minimum':2}]}", "1.5", false },
        { "{'not':{'type':'null'}}", "1", true },
        { "{'not':{'type':'null'}}", "null", false },
        { "{'if':{'properties':{'kind':{'const':'card'}}},'then':{'required':['number']},'else':{'required':['iban']}}", "{'kind':'card','number':'4'}", true },
        { "{'if':{'properties':{'kind':{'const':'card'}}},'then':{'required':['number']},'else':{'required':['iban']}}", "{'kind':'card','iban':'DE'}", false },
        { "{'if':{'properties':{'kind':{'const':'card'}}},'then':{'required':['number']},'else':{'required':['iban']}}", "{'kind':'bank','iban':'DE'}", true },
        { "{'if':{'properties':{'kind':{'const':'card'}}},'then':{'required':['number']},'else':{'required':['iban']}}", "{'kind':'bank'}", false },
        { "{'then':{'required':['x']}}", "{}", true },
        // boolean schemas
        { "true", "{'anything':[1]}", true },
        { "false", "null", false },
        { "{'properties':{'a':false}}", "{'b':1}", true },
        { "{'properties':{'a':false}}", "{'a':1}", false },
        // annotations and unknown keywords change nothing
        { "{'type':'string','format':'email','title':'t','description':'d','examples':['x'],'x-vendor':1}", "'not an email'", true },
        { "{}", "[1,'x',{}]", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Instance_is_valid_exactly_when_the_keyword_allows_it(string schema, string instance, bool valid)
    {
        var errors = JsonSchemaValidator.Validate(Json(instance), Json(schema));

        Assert.True(valid == (errors.Count == 0), $"expected {(valid ? "valid" : "invalid")}, errors: [{string.Join(" | ", errors)}]");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_schema_in_the_keyword_cases_is_usable(string schema, string instance, bool valid)
    {
        _ = (instance, valid);
        Assert.Null(JsonSchemaValidator.SchemaProblem(Json(schema)));
    }
}
