using LlmOps.Evaluator.Features.Checks;
using static LlmOps.Evaluator.Tests.Unit.Checks.JsonSchemaKeywordTests;

namespace LlmOps.Evaluator.Tests.Unit.Checks;

/// <summary>What the errors say and where they point, and local references including recursive ones.</summary>
public class JsonSchemaErrorTests
{
    private const string Order = """
        {'type':'object','required':['id','items'],'additionalProperties':false,
         'properties':{
           'id':{'type':'string','pattern':'^ord-[0-9]+$'},
           'items':{'type':'array','minItems':1,'items':{'$ref':'#/$defs/item'}}},
         '$defs':{'item':{'type':'object','required':['sku','price'],
           'properties':{'sku':{'type':'string'},'price':{'type':'number','minimum':5}}}}}
        """;

    [Fact]
    public void Valid_order_gives_no_errors()
    {
        Assert.Empty(JsonSchemaValidator.Validate(Json("{'id':'ord-1','items':[{'sku':'a','price':5}]}"), Json(Order)));
    }

    [Fact]
    public void Each_error_starts_with_the_json_pointer_of_the_failing_value()
    {
        var errors = JsonSchemaValidator.Validate(
            Json("{'id':'ord-x','items':[{'sku':'a','price':9},{'sku':'b','price':7},{'sku':'c','price':3},{'price':6}],'note':1}"),
            Json(Order));

        Assert.Equal(
        [
            "/id: \"ord-x\" does not match the pattern ^ord-[0-9]+$",
            "/items/2/price: 3 is below the minimum 5",
            "/items/3: is missing the required property \"sku\"",
            "/note: is not an allowed property (additionalProperties is false)",
        ], errors);
    }

    [Fact]
    public void Error_at_the_document_itself_is_located_at_slash()
    {
        Assert.Equal(["/: is an array, expected object"], JsonSchemaValidator.Validate(Json("[]"), Json(Order)));
    }

    [Fact]
    public void Property_names_with_slash_and_tilde_are_escaped_in_the_pointer()
    {
        var errors = JsonSchemaValidator.Validate(Json("{'a/b':{'c~d':1}}"), Json("{'additionalProperties':{'additionalProperties':{'type':'string'}}}"));

        Assert.Equal(["/a~1b/c~0d: is an integer, expected string"], errors);
    }

    [Fact]
    public void Errors_stop_at_twenty()
    {
        var instance = Json("[" + string.Join(',', Enumerable.Range(0, 50).Select(i => "'x'")) + "]");

        var errors = JsonSchemaValidator.Validate(instance, Json("{'items':{'type':'number'}}"));

        Assert.Equal(JsonSchemaValidator.MaxErrors, errors.Count);
        Assert.Equal("/19: is a string, expected number", errors[^1]);
    }

    [Fact]
    public void Failed_anyOf_explains_what_each_branch_wanted()
    {
        var errors = JsonSchemaValidator.Validate(Json("{'n':7}"), Json("{'properties':{'n':{'anyOf':[{'type':'string'},{'maximum':5}]}}}"));

        Assert.Equal(["/n: matches none of the 2 anyOf schemas (#0: /n: is an integer, expected string; #1: /n: 7 is above the maximum 5)"], errors);
    }

    [Fact]
    public void OneOf_matched_twice_names_both_branches()
    {
        var errors = JsonSchemaValidator.Validate(Json("3"), Json("{'oneOf':[{'type':'integer'},{'minimum':2},{'const':9}]}"));

        Assert.Equal(["/: matches more than one of the oneOf schemas (#0 and #1), exactly one is required"], errors);
    }

    [Fact]
    public void Messages_for_lengths_counts_and_uniqueness_give_the_numbers()
    {
        var schema = Json("{'properties':{'s':{'minLength':3},'a':{'maxItems':1,'uniqueItems':true},'o':{'minProperties':2},'m':{'multipleOf':0.5},'e':{'enum':[1,2]},'c':{'const':'x'},'x':{'exclusiveMaximum':1}}}");

        var errors = JsonSchemaValidator.Validate(Json("{'s':'😀','a':[1,1],'o':{'k':1},'m':0.3,'e':3,'c':'y','x':1}"), schema);

        Assert.Equal(
        [
            "/s: is 1 character long, shorter than the minimum length 3",
            "/a: has 2 items, more than the maximum 1",
            "/a: items 0 and 1 are equal, but uniqueItems requires distinct items",
            "/o: has 1 property, fewer than the minimum 2",
            "/m: 0.3 is not a multiple of 0.5",
            "/e: 3 is not one of the allowed values [1,2]",
            "/c: \"y\" is not the required value \"x\"",
            "/x: 1 is not below the exclusive maximum 1",
        ], errors);
    }

    [Fact]
    public void Recursive_schema_validates_a_tree_through_its_root_reference()
    {
        var tree = Json("{'type':'object','required':['name'],'properties':{'name':{'type':'string'},'children':{'type':'array','items':{'$ref':'#'}}}}");

        Assert.Empty(JsonSchemaValidator.Validate(Json("{'name':'a','children':[{'name':'b','children':[{'name':'c'}]},{'name':'d'}]}"), tree));
        Assert.Equal(["/children/0/children/0/name: is an integer, expected string"],
            JsonSchemaValidator.Validate(Json("{'name':'a','children':[{'name':'b','children':[{'name':1}]}]}"), tree));
    }

    [Fact]
    public void Nested_references_through_definitions_and_escaped_pointers_resolve()
    {
        var schema = Json("""
            {'$ref':'#/definitions/wrapper',
             'definitions':{
               'wrapper':{'properties':{'value':{'$ref':'#/definitions/a~1b'},'list':{'$ref':'#/definitions/with%20space'}}},
               'a/b':{'$ref':'#/definitions/t~0n'},
               't~n':{'type':'integer'},
               'with space':{'items':{'$ref':'#/definitions/wrapper/properties/value'}}}}
            """);

        Assert.Null(JsonSchemaValidator.SchemaProblem(schema));
        Assert.Empty(JsonSchemaValidator.Validate(Json("{'value':1,'list':[2,3]}"), schema));
        Assert.Equal(["/value: is a string, expected integer", "/list/1: is a boolean, expected integer"],
            JsonSchemaValidator.Validate(Json("{'value':'1','list':[2,true]}"), schema));
    }

    [Fact]
    public void Ref_is_evaluated_together_with_its_sibling_keywords()
    {
        var schema = Json("{'$defs':{'n':{'type':'number'}},'$ref':'#/$defs/n','minimum':3}");

        Assert.Equal(["/: 2 is below the minimum 3"], JsonSchemaValidator.Validate(Json("2"), schema));
    }

    [Fact]
    public void Ref_that_loops_in_place_ends_with_an_error_instead_of_a_stack_overflow()
    {
        var errors = JsonSchemaValidator.Validate(Json("1"), Json("{'$defs':{'a':{'$ref':'#/$defs/b'},'b':{'allOf':[{'$ref':'#/$defs/a'}]}},'$ref':'#/$defs/a'}"));

        Assert.Single(errors);
        Assert.Contains("nests more than", errors[0]);
    }

    [Fact]
    public void Unresolvable_ref_fails_validation_with_a_message()
    {
        Assert.Equal(["/: the schema's $ref \"#/$defs/missing\" cannot be resolved"],
            JsonSchemaValidator.Validate(Json("1"), Json("{'$ref':'#/$defs/missing'}")));
    }

    [Fact]
    public void False_schema_says_nothing_is_allowed()
    {
        Assert.Equal(["/a: no value is allowed here (the schema is false)"],
            JsonSchemaValidator.Validate(Json("{'a':1}"), Json("{'properties':{'a':false}}")));
    }
}
