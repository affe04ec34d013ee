using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Actions;
using LlmOps.Contracts.Alerting;
using LlmOps.ServiceDefaults.Messaging;

namespace LlmOps.Samples.AlertSubscriber.Tests;

/// <summary>
/// The sample as Dapr sees it: the subscription list, and each delivery answered 200 with SUCCESS, DROP or RETRY.
/// Malformed, oversized and non-JSON deliveries are DROP, never 4xx: Dapr retries any non-2xx answer but 404, so a
/// 4xx would bring a poison event back forever.
/// </summary>
public class DaprContractTests
{
    private static async Task<string> StatusAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("status").GetString()!;
    }

    private static async Task<string> DeliverAsync(SubscriberFactory app, HttpContent content, string route = "/alerts")
    {
        using var client = app.CreateClient();
        return await StatusAsync(await client.PostAsync(route, content));
    }

    [Fact]
    public async Task Dapr_subscribe_lists_alerts_and_actions_on_the_configured_pubsub()
    {
        await using var app = new SubscriberFactory(new Dictionary<string, string?> { ["AlertSubscriber:PubSubName"] = "team-pubsub" });
        using var client = app.CreateClient();

        var json = await client.GetStringAsync("/dapr/subscribe");

        var expected = """
            [{"pubsubname":"team-pubsub","topic":"llmops.alerts","routes":{"default":"/alerts"}},
             {"pubsubname":"team-pubsub","topic":"llmops.actions","routes":{"default":"/actions"}}]
            """;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(json)), json);
    }

    [Fact]
    public async Task Dapr_subscribe_defaults_to_llmops_pubsub_and_is_empty_when_subscription_resources_are_used()
    {
        await using (var app = new SubscriberFactory())
        {
            using var client = app.CreateClient();
            var list = await client.GetFromJsonAsync<JsonElement>("/dapr/subscribe");
            Assert.All(list.EnumerateArray(), s => Assert.Equal("llmops-pubsub", s.GetProperty("pubsubname").GetString()));
        }
        await using (var app = new SubscriberFactory(new Dictionary<string, string?> { ["AlertSubscriber:ProgrammaticSubscriptions"] = "false" }))
        {
            using var client = app.CreateClient();
            Assert.Equal("[]", await client.GetStringAsync("/dapr/subscribe"));
        }
    }

    [Fact]
    public async Task A_valid_alert_is_SUCCESS_and_shows_in_received_with_its_attributes()
    {
        await using var app = new SubscriberFactory();
        var alert = CloudEvents.Alert();

        Assert.Equal("SUCCESS", await DeliverAsync(app, CloudEvents.Body(alert)));

        var received = await app.ReceivedAsync();
        Assert.Equal(1, received.GetProperty("handled").GetInt64());
        var one = Assert.Single(received.GetProperty("events").EnumerateArray());
        Assert.Equal(alert["id"]!.GetValue<string>(), one.GetProperty("id").GetString());
        Assert.Equal("/llmops/alerting", one.GetProperty("source").GetString());
        Assert.Equal("io.llmops.alert.fired", one.GetProperty("type").GetString());
        Assert.Equal("project-a", one.GetProperty("subject").GetString());
        Assert.Equal("llmops.alerts", one.GetProperty("topic").GetString());
        Assert.Equal("dapr", one.GetProperty("via").GetString());
        Assert.True(one.GetProperty("known").GetBoolean());
        // The whole event is kept as it came, Dapr's own attributes included.
        Assert.True(JsonNode.DeepEquals(alert, JsonNode.Parse(one.GetProperty("cloudEvent").GetRawText())));
    }

    [Fact]
    public async Task An_action_as_plain_application_json_is_accepted_on_the_actions_route()
    {
        await using var app = new SubscriberFactory();
        var action = CloudEvents.Alert(type: "io.llmops.action.prompt_revision_requested");
        action["source"] = "/llmops/evaluator";

        Assert.Equal("SUCCESS", await DeliverAsync(app, CloudEvents.Body(action.ToJsonString(), "application/json"), "/actions"));

        var one = Assert.Single((await app.ReceivedAsync()).GetProperty("events").EnumerateArray());
        Assert.Equal("llmops.actions", one.GetProperty("topic").GetString());
        Assert.True(one.GetProperty("known").GetBoolean());
    }

    [Fact]
    public async Task The_same_source_and_id_delivered_twice_is_handled_once_and_both_answered_SUCCESS()
    {
        await using var app = new SubscriberFactory();
        var alert = CloudEvents.Alert();

        Assert.Equal("SUCCESS", await DeliverAsync(app, CloudEvents.Body(alert)));
        Assert.Equal("SUCCESS", await DeliverAsync(app, CloudEvents.Body(alert)));
        // Same id from another source is another event.
        var other = CloudEvents.Alert(alert["id"]!.GetValue<string>());
        other["source"] = "/llmops/other";
        Assert.Equal("SUCCESS", await DeliverAsync(app, CloudEvents.Body(other)));

        var received = await app.ReceivedAsync();
        Assert.Equal(2, received.GetProperty("handled").GetInt64());
        Assert.Equal(1, received.GetProperty("duplicates").GetInt64());
        Assert.Equal(2, received.GetProperty("events").GetArrayLength());
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "not json", "{\"id\": " },
        { "an array", "[]" },
        { "missing specversion", Without("specversion") },
        { "specversion 0.3", With("specversion", "0.3") },
        { "specversion as a number", With("specversion", 1.0) },
        { "missing id", Without("id") },
        { "empty source", With("source", "") },
        { "missing type", Without("type") },
        { "time not RFC 3339", With("time", "yesterday") },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task A_malformed_event_is_DROP_with_200_so_dapr_does_not_retry_it(string what, string body)
    {
        await using var app = new SubscriberFactory();

        Assert.Equal("DROP", await DeliverAsync(app, CloudEvents.Body(body)));

        var received = await app.ReceivedAsync();
        Assert.True(received.GetProperty("dropped").GetInt64() == 1, what);
        Assert.Equal(0, received.GetProperty("events").GetArrayLength());
    }

    [Fact]
    public async Task An_oversized_body_is_DROP_and_a_body_just_under_the_limit_is_not()
    {
        await using var app = new SubscriberFactory(new Dictionary<string, string?> { ["AlertSubscriber:MaxEventBytes"] = "4096" });
        var big = CloudEvents.Alert();
        big["data"] = new JsonObject { ["padding"] = new string('x', 8192) };
        var small = CloudEvents.Alert();
        small["data"] = new JsonObject { ["padding"] = new string('x', 3000) };

        Assert.Equal("DROP", await DeliverAsync(app, CloudEvents.Body(big)));
        Assert.Equal("SUCCESS", await DeliverAsync(app, CloudEvents.Body(small)));
    }

    [Fact]
    public async Task A_body_that_is_not_json_by_content_type_is_DROP()
    {
        await using var app = new SubscriberFactory();

        Assert.Equal("DROP", await DeliverAsync(app, CloudEvents.Body(CloudEvents.Alert().ToJsonString(), "text/plain")));
    }

    [Fact]
    public async Task An_unknown_event_type_is_accepted_and_flagged()
    {
        await using var app = new SubscriberFactory();

        Assert.Equal("SUCCESS", await DeliverAsync(app, CloudEvents.Body(CloudEvents.Alert(type: "io.llmops.alert.escalated"))));
        // A known type on the wrong topic is unknown there too.
        Assert.Equal("SUCCESS", await DeliverAsync(app, CloudEvents.Body(CloudEvents.Alert()), "/actions"));

        var received = await app.ReceivedAsync();
        Assert.Equal(2, received.GetProperty("unknownTypes").GetInt64());
        Assert.All(received.GetProperty("events").EnumerateArray(), e => Assert.False(e.GetProperty("known").GetBoolean()));
    }

    [Fact]
    public async Task A_failing_handler_answers_RETRY_and_the_redelivery_is_handled_not_taken_for_a_copy()
    {
        var handler = new FailingOnceHandler();
        await using var app = new SubscriberFactory(handler: handler);
        var alert = CloudEvents.Alert();

        Assert.Equal("RETRY", await DeliverAsync(app, CloudEvents.Body(alert)));
        Assert.Equal("SUCCESS", await DeliverAsync(app, CloudEvents.Body(alert)));

        var received = await app.ReceivedAsync();
        Assert.Equal(1, received.GetProperty("retried").GetInt64());
        Assert.Equal(1, received.GetProperty("handled").GetInt64());
        Assert.Equal(0, received.GetProperty("duplicates").GetInt64());
        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task Health_endpoints_answer_in_dapr_mode()
    {
        await using var app = new SubscriberFactory();
        using var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public void The_sample_knows_exactly_the_types_the_platform_publishes()
    {
        // The contracts published on each topic (docs/topics.md); a new one must be added to the sample too.
        Type[] alerts = [typeof(AlertFired), typeof(AlertResolved)];
        Type[] actions =
        [
            typeof(RetrievalImprovementRequested), typeof(PromptRevisionRequested), typeof(PromptRollbackRequested),
            typeof(RouteAdjustmentRequested), typeof(KnowledgeGapDetected), typeof(FineTuneExamplesCurated),
            typeof(FineTuneDatasetReady), typeof(OptimizationActionProposed),
        ];

        Assert.Equal(alerts.Select(CloudEventTypes.Of).Order(), Subscriptions.KnownTypes[Topics.Alerts].Order());
        Assert.Equal(actions.Select(CloudEventTypes.Of).Order(), Subscriptions.KnownTypes[Topics.Actions].Order());
        Assert.Equal([Topics.Alerts, Topics.Actions], Subscriptions.All.Select(s => s.Topic));
    }

    private static string Without(string attribute)
    {
        var alert = CloudEvents.Alert();
        alert.Remove(attribute);
        return alert.ToJsonString();
    }

    private static string With(string attribute, JsonNode value)
    {
        var alert = CloudEvents.Alert();
        alert[attribute] = value;
        return alert.ToJsonString();
    }

    private sealed class FailingOnceHandler : IEventHandler
    {
        public int Calls;

        public Task HandleAsync(ReceivedEvent received, CancellationToken ct) =>
            Interlocked.Increment(ref Calls) == 1 ? throw new HttpRequestException("pager down for a moment") : Task.CompletedTask;
    }
}
