using System.Text;
using System.Text.Json.Nodes;
using LlmOps.InferenceProxy.Features.Providers;

namespace LlmOps.InferenceProxy.Tests;

public class AnthropicTranslationTests
{
    private static JsonObject Translate(string openAiJson) => AnthropicTranslation.ToAnthropic((JsonObject)JsonNode.Parse(openAiJson)!);

    [Fact]
    public void System_messages_become_the_system_field_and_consecutive_turns_of_one_role_merge()
    {
        var anthropic = Translate("""
            {"model":"m","messages":[
              {"role":"system","content":"Be brief."},{"role":"developer","content":"Use metric units."},
              {"role":"user","content":"first"},{"role":"user","content":"second"},
              {"role":"assistant","content":"answer","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"result one"},{"role":"user","content":"thanks"}]}
            """);

        Assert.Equal("Be brief.\n\nUse metric units.", anthropic["system"]!.GetValue<string>());
        var messages = anthropic["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "user"], messages.Select(m => m!["role"]!.GetValue<string>()));
        Assert.Equal(2, messages[0]!["content"]!.AsArray().Count);
        var toolUse = messages[1]!["content"]![1]!;
        Assert.Equal("tool_use", toolUse["type"]!.GetValue<string>());
        Assert.Equal(1, toolUse["input"]!["a"]!.GetValue<int>());
        var toolResult = messages[2]!["content"]![0]!;
        Assert.Equal("tool_result", toolResult["type"]!.GetValue<string>());
        Assert.Equal("call_1", toolResult["tool_use_id"]!.GetValue<string>());
        Assert.Equal("thanks", messages[2]!["content"]![1]!["text"]!.GetValue<string>());
    }

    [Fact]
    public void Parameters_map_to_anthropics_names_and_ranges()
    {
        var anthropic = Translate("""
            {"model":"m","messages":[{"role":"user","content":"x"}],"temperature":1.7,"top_p":0.9,"stop":"END",
             "user":"u-1","stream":true,"tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object"}}}],
             "tool_choice":"required","parallel_tool_calls":false}
            """);

        Assert.Equal(AnthropicAdapter.DefaultMaxTokens, anthropic["max_tokens"]!.GetValue<int>());
        Assert.Equal(1.0, anthropic["temperature"]!.GetValue<double>());
        Assert.Equal(0.9, anthropic["top_p"]!.GetValue<double>());
        Assert.Equal(["END"], anthropic["stop_sequences"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal("u-1", anthropic["metadata"]!["user_id"]!.GetValue<string>());
        Assert.True(anthropic["stream"]!.GetValue<bool>());
        Assert.Equal("f", anthropic["tools"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("object", anthropic["tools"]![0]!["input_schema"]!["type"]!.GetValue<string>());
        Assert.Equal("any", anthropic["tool_choice"]!["type"]!.GetValue<string>());
        Assert.True(anthropic["tool_choice"]!["disable_parallel_tool_use"]!.GetValue<bool>());
    }

    [Fact]
    public void Max_tokens_and_a_named_tool_choice_carry_over_and_images_become_image_blocks()
    {
        var anthropic = Translate("""
            {"model":"m","max_completion_tokens":77,"messages":[{"role":"user","content":[
              {"type":"text","text":"what is this"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0"}}]}],
             "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"f"}}}
            """);

        Assert.Equal(77, anthropic["max_tokens"]!.GetValue<int>());
        Assert.Equal("tool", anthropic["tool_choice"]!["type"]!.GetValue<string>());
        var image = anthropic["messages"]![0]!["content"]![1]!;
        Assert.Equal("image", image["type"]!.GetValue<string>());
        Assert.Equal("image/png", image["source"]!["media_type"]!.GetValue<string>());
        Assert.Equal("iVBORw0", image["source"]!["data"]!.GetValue<string>());
    }

    [Fact]
    public void An_answer_with_cache_reads_and_writes_is_counted_in_openais_convention()
    {
        var answer = """
            {"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"Hi"}],
             "stop_reason":"max_tokens","usage":{"input_tokens":10,"cache_read_input_tokens":100,"cache_creation_input_tokens":20,"output_tokens":7}}
            """;

        var completion = JsonNode.Parse(AnthropicTranslation.ToOpenAiCompletion(Encoding.UTF8.GetBytes(answer))!)!;

        Assert.Equal("length", completion["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal(130, completion["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(100, completion["usage"]!["prompt_tokens_details"]!["cached_tokens"]!.GetValue<int>());
        Assert.Equal(7, completion["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal(137, completion["usage"]!["total_tokens"]!.GetValue<int>());
    }

    [Fact]
    public void Something_that_is_not_a_message_is_left_for_the_gateway_to_call_invalid()
    {
        Assert.Null(AnthropicTranslation.ToOpenAiCompletion("""{"type":"error","error":{"type":"api_error"}}"""u8.ToArray()));
        Assert.Null(AnthropicTranslation.ToOpenAiCompletion("not json"u8.ToArray()));
    }

    [Fact]
    public void An_error_event_in_a_stream_breaks_it()
    {
        var translator = new AnthropicStreamTranslator();

        Assert.Throws<IOException>(() => translator.Translate("error", """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""").ToList());
    }
}
