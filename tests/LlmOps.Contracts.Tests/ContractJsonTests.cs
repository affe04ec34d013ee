using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using MassTransit.Serialization;

namespace LlmOps.Contracts.Tests;

/// <summary>
/// Round trips through MassTransit's own JSON settings (what the bus uses), and a golden file per message that holds
/// the wire shape: a property may be added (additive change), never renamed or removed.
/// </summary>
public class ContractJsonTests
{
    private static readonly JsonSerializerOptions Wire = SystemTextJsonMessageSerializer.Options;

    public static TheoryData<Type> MessageTypes() => [.. ContractCatalog.Messages.Keys];

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public void Every_message_round_trips_through_the_bus_serializer_without_losing_a_property(Type messageType)
    {
        var sample = SampleFactory.Create(messageType);
        var json = JsonSerializer.Serialize(sample, messageType, Wire);

        var back = JsonSerializer.Deserialize(json, messageType, Wire);

        Assert.NotNull(back);
        Assert.Equal(json, JsonSerializer.Serialize(back, messageType, Wire));
        // Every settable property carried a non-default value, so a dropped one would show up as a difference.
        Assert.DoesNotContain("null", json, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public void No_property_of_the_pinned_wire_shape_was_renamed_or_removed(Type messageType)
    {
        var goldenPath = Path.Combine(AppContext.BaseDirectory, "Golden", messageType.Name + ".json");
        var current = JsonSerializer.SerializeToNode(SampleFactory.Create(messageType), messageType, Wire)!;
        Assert.True(File.Exists(goldenPath),
            $"No golden wire shape for {messageType.Name}. Add tests/LlmOps.Contracts.Tests/Golden/{messageType.Name}.json with:\n{current.ToJsonString(new JsonSerializerOptions { WriteIndented = true })}");

        var golden = JsonNode.Parse(File.ReadAllText(goldenPath))!;
        var missing = Paths(golden).Except(Paths(current)).ToList();

        Assert.True(missing.Count == 0, $"{messageType.Name} lost wire properties (a breaking change needs a V2 type): {string.Join(", ", missing)}");
    }

    [Fact]
    public void A_message_with_a_property_this_version_does_not_know_still_deserializes()
    {
        var json = JsonSerializer.SerializeToNode(SampleFactory.Create(typeof(InferenceCompleted)), Wire)!.AsObject();
        json["aFieldFromANewerProducer"] = "ignored";

        var message = json.Deserialize<InferenceCompleted>(Wire);

        Assert.NotNull(message);
        Assert.Equal("ProjectId-value", message.ProjectId);
    }

    [Fact]
    public void A_message_missing_a_required_property_is_refused_not_half_read()
    {
        var json = JsonSerializer.SerializeToNode(SampleFactory.Create(typeof(InferenceCompleted)), Wire)!.AsObject();
        json.Remove("traceId");

        Assert.Throws<JsonException>(() => json.Deserialize<InferenceCompleted>(Wire));
    }

    [Fact]
    public void Token_usage_counts_cached_input_inside_input_and_reasoning_inside_output()
    {
        var usage = new TokenUsage { InputTokens = 100, CachedInputTokens = 40, OutputTokens = 30, ReasoningTokens = 10 };

        Assert.Equal(130, usage.TotalTokens);
    }

    private static IEnumerable<string> Paths(JsonNode node, string prefix = "")
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    var path = prefix.Length == 0 ? key : $"{prefix}.{key}";
                    yield return path;
                    if (value is not null)
                        foreach (var child in Paths(value, path))
                            yield return child;
                }
                break;
            case JsonArray array when array.Count > 0 && array[0] is not null:
                foreach (var child in Paths(array[0]!, prefix + "[]"))
                    yield return child;
                break;
        }
    }
}
