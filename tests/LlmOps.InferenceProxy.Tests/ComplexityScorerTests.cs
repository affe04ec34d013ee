using System.Text.Json.Nodes;
using LlmOps.InferenceProxy.Features.Routing;

namespace LlmOps.InferenceProxy.Tests;

/// <summary>The complexity heuristic against labelled requests: what it sends to the small model and what to the large.</summary>
public class ComplexityScorerTests
{
    private static JsonObject Chat(string message, int priorTurns = 0, bool tools = false, bool schema = false)
    {
        var messages = new JsonArray();
        for (var i = 0; i < priorTurns; i++)
        {
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = $"earlier question {i}" });
            messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = $"earlier answer {i}" });
        }
        messages.Add(new JsonObject { ["role"] = "user", ["content"] = message });
        var body = new JsonObject { ["model"] = "m", ["messages"] = messages };
        if (tools)
            body["tools"] = JsonNode.Parse("""[{"type":"function","function":{"name":"f"}}]""");
        if (schema)
            body["response_format"] = JsonNode.Parse("""{"type":"json_schema","json_schema":{"name":"s","schema":{}}}""");
        return body;
    }

    private static readonly string LongDocument = string.Concat(Enumerable.Repeat("Quarterly revenue grew in three regions while costs rose in two. ", 150));

    public static TheoryData<string, JsonObject> Easy() => new()
    {
        { "greeting", Chat("hi!") },
        { "short fact", Chat("What is the capital of Norway?") },
        { "translation", Chat("Translate 'good morning' to French.") },
        { "spelling", Chat("How do you spell necessary?") },
        { "short rewrite", Chat("Make this friendlier: send me the file.") },
        { "yes/no", Chat("Is 17 a prime number?") },
        { "unit conversion", Chat("Convert 5 miles to kilometres.") },
        { "a few turns of chat", Chat("thanks, and tomorrow?", priorTurns: 3) },
        { "one tool, short", Chat("What is the weather in Oslo?", tools: true) },
        { "a definition", Chat("Define latency in one sentence.") },
    };

    public static TheoryData<string, JsonObject> Hard() => new()
    {
        { "long document to analyze", Chat("Analyze this report and compare the regions: " + LongDocument) },
        { "design trade-offs", Chat("Design a multi-region architecture and evaluate the trade-offs step by step. " + LongDocument[..2000], tools: true) },
        { "proof", Chat("Prove step by step why the algorithm terminates, and derive its complexity. " + LongDocument[..3000]) },
        { "debug code", Chat("Debug this and explain why it fails:\n```python\ndef f(x):\n    return f(x)\n```\n" + LongDocument[..2500]) },
        { "long conversation with tools and schema", Chat("Now plan the migration and compare options.", priorTurns: 8, tools: true, schema: true) },
        { "structured analysis", Chat("Analyze these figures and return the comparison as JSON: " + LongDocument, schema: true) },
    };

    [Theory]
    [MemberData(nameof(Easy))]
    public void Easy_requests_score_below_the_default_threshold(string label, JsonObject request)
    {
        var score = ComplexityScorer.Score(request);
        Assert.True(score < 0.5, $"{label} scored {score:0.00}");
    }

    [Theory]
    [MemberData(nameof(Hard))]
    public void Hard_requests_score_at_or_above_the_default_threshold(string label, JsonObject request)
    {
        var score = ComplexityScorer.Score(request);
        Assert.True(score >= 0.5, $"{label} scored {score:0.00}");
    }

    [Fact]
    public void Scores_stay_between_zero_and_one()
    {
        var everything = Chat("analyze design prove compare debug plan evaluate " + LongDocument + LongDocument + "```code```", 30, tools: true, schema: true);

        Assert.InRange(ComplexityScorer.Score(everything), 0.0, 1.0);
        Assert.InRange(ComplexityScorer.Score(new JsonObject()), 0.0, 1.0);
    }
}
