using System.Text.RegularExpressions;

namespace LlmOps.ServiceDefaults.Messaging;

/// <summary>
/// The topics outside subscribers read (CloudEvents, one RabbitMQ fanout exchange each, named exactly like the topic;
/// see docs/topics.md). The platform's own services talk over MassTransit instead.
/// </summary>
public static partial class Topics
{
    /// <summary>Alerts firing and resolving (<c>io.llmops.alert.*</c>).</summary>
    public const string Alerts = "llmops.alerts";

    /// <summary>What the improvement loop asks for or did (<c>io.llmops.action.*</c>).</summary>
    public const string Actions = "llmops.actions";

    /// <summary>A topic is an exchange name: letters, digits, <c>.</c>, <c>_</c>, <c>-</c>, <c>:</c>, at most 255 characters.</summary>
    public static void Validate(string topic)
    {
        if (!Name().IsMatch(topic ?? ""))
            throw new ArgumentException($"'{topic}' is not a valid topic name (letters, digits, '.', '_', '-', ':'; 1 to 255 characters).",
                nameof(topic));
        if (topic!.StartsWith("amq.", StringComparison.Ordinal))
            throw new ArgumentException($"'{topic}': names starting with 'amq.' belong to the broker.", nameof(topic));
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,255}$")]
    private static partial Regex Name();
}
