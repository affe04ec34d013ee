using System.Collections.Frozen;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LlmOps.ServiceDefaults.Messaging;

/// <summary>
/// The <c>type</c> attribute convention: <c>io.llmops.{area}.{event}</c>, lower case, snake_case words. The area is the
/// contract's namespace in the singular (<c>Alerting</c> → <c>alert</c>, <c>Actions</c> → <c>action</c>); the event is the
/// contract's name in snake_case without the area's word in front: <c>AlertFired</c> → <c>io.llmops.alert.fired</c>,
/// <c>RetrievalImprovementRequested</c> → <c>io.llmops.action.retrieval_improvement_requested</c>. A <c>V2</c> contract
/// gets its own type (<c>..._v2</c>), so subscribers route versions apart. Types are wire names: never rename one.
/// </summary>
public static partial class CloudEventTypes
{
    public const string Prefix = "io.llmops.";

    private static readonly FrozenDictionary<string, string> Areas = new Dictionary<string, string>
    {
        ["Alerting"] = "alert",
        ["Actions"] = "action",
    }.ToFrozenDictionary();

    /// <summary>The type of a contract's events.</summary>
    public static string Of<T>() where T : class => Of(typeof(T));

    public static string Of(Type contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        if (contract.IsGenericType || contract.Namespace is null)
            throw new ArgumentException($"'{contract}' is not a contract record: no CloudEvent type for it.", nameof(contract));
        var segment = contract.Namespace[(contract.Namespace.LastIndexOf('.') + 1)..];
        var area = Areas.GetValueOrDefault(segment) ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(segment);
        var name = JsonNamingPolicy.SnakeCaseLower.ConvertName(contract.Name);
        if (name.StartsWith(area + "_", StringComparison.Ordinal))
            name = name[(area.Length + 1)..];
        return For(area, name);
    }

    /// <summary>A type for an event without a contract record; both parts lower-case snake_case.</summary>
    public static string For(string area, string eventName)
    {
        if (!Part().IsMatch(area ?? ""))
            throw new ArgumentException($"'{area}' is not a lower-case snake_case area.", nameof(area));
        if (!Part().IsMatch(eventName ?? ""))
            throw new ArgumentException($"'{eventName}' is not a lower-case snake_case event name.", nameof(eventName));
        return Prefix + area + "." + eventName;
    }

    [GeneratedRegex("^[a-z][a-z0-9]*(_[a-z0-9]+)*$")]
    private static partial Regex Part();
}
