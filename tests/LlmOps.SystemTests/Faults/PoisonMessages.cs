using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;

namespace LlmOps.SystemTests.Faults;

/// <summary>
/// The four kinds of poison a misbehaving producer puts on a queue, as MassTransit envelopes (the content type the
/// services read): each carries its own message id, so a test finds it again in <c>_error</c> or <c>_skipped</c>.
/// </summary>
public static class PoisonMessages
{
    public const int OversizedBytes = 1024 * 1024;

    public sealed record Poison(string Kind, Guid MessageId, string Body);

    /// <param name="messageType">The exchange name of a type the queue receives, <c>Namespace:Type</c>.</param>
    public static IReadOnlyList<Poison> For(string messageType)
    {
        var urn = "urn:message:" + messageType;
        var malformed = Guid.NewGuid();
        var wrongSchema = Guid.NewGuid();
        var unknownVersion = Guid.NewGuid();
        var oversized = Guid.NewGuid();
        return
        [
            new("malformed JSON", malformed, $$"""{"messageId":"{{malformed}}","messageType":["{{urn}}"],"message":{"inferenceId": [not json"""),
            new("wrong schema", wrongSchema, Envelope(wrongSchema, urn, WrongSchema(messageType))),
            new("unknown version", unknownVersion, Envelope(unknownVersion, urn + "V99", new JsonObject { ["somethingNew"] = 1 })),
            new("oversized", oversized, Envelope(oversized, urn, new JsonObject { ["padding"] = new string('x', OversizedBytes) })),
        ];
    }

    private static string Envelope(Guid messageId, string urn, JsonNode message) => new JsonObject
    {
        ["messageId"] = messageId.ToString(),
        ["conversationId"] = Guid.NewGuid().ToString(),
        ["messageType"] = new JsonArray(urn),
        ["sentTime"] = DateTime.UtcNow.ToString("O"),
        ["message"] = message,
    }.ToJsonString();

    /// <summary>
    /// The contract's own property names, each with a value of the wrong kind (text where a number or id belongs, an object
    /// where text belongs, a number where a list or record belongs): what a producer on an incompatible version sends.
    /// </summary>
    private static JsonObject WrongSchema(string messageType)
    {
        var type = typeof(InferenceCompleted).Assembly.GetType(messageType.Replace(':', '.'));
        var message = new JsonObject();
        if (type is null)
        {
            message["inferenceId"] = new JsonObject { ["not"] = "an id" };
            return message;
        }
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            var clr = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            message[name] = clr == typeof(string) ? new JsonObject { ["not"] = "text" }
                : clr.IsPrimitive || clr.IsEnum || clr == typeof(decimal) || clr == typeof(Guid) || clr == typeof(DateTime)
                    || clr == typeof(DateTimeOffset) || clr == typeof(TimeSpan) ? JsonValue.Create("not a " + clr.Name)
                : JsonValue.Create(42); // lists and nested records

        }
        return message;
    }
}
