using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmOps.Contracts.Actions;
using LlmOps.Contracts.Alerting;
using LlmOps.ServiceDefaults.Messaging;

namespace LlmOps.ServiceDefaults.Tests;

/// <summary>The CloudEvents 1.0 JSON the topics carry: what a Dapr sidecar or any CloudEvents SDK reads.</summary>
public class CloudEventTests
{
    // RFC 3339 date-time in UTC, as written (fraction optional).
    private static readonly Regex Rfc3339Utc = new(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$");

    private static AlertFired SampleAlert() => new()
    {
        Fingerprint = "fp-1234",
        RuleName = "high-error-rate",
        Severity = "critical",
        ProjectId = "project-a",
        Labels = new Dictionary<string, string> { ["model"] = "sim-small" },
        Value = 0.25,
        Threshold = 0.1,
        StartsAt = new DateTimeOffset(2025, 1, 31, 11, 55, 0, TimeSpan.Zero),
        FiredAt = new DateTimeOffset(2025, 1, 31, 12, 0, 0, TimeSpan.Zero),
    };

    private static CloudEvent SampleEvent() => new()
    {
        Id = "6d1c5c6e-1f0e-4a49-9a43-2f5b1b9e0c11",
        Source = "/llmops/alerting",
        Type = "io.llmops.alert.fired",
        Time = new DateTimeOffset(2025, 1, 31, 14, 0, 0, 123, TimeSpan.FromHours(2)),
        Subject = "project-a",
        Data = JsonSerializer.SerializeToElement(new { fingerprint = "fp-1234", value = 0.25 }),
    };

    private static JsonElement Written(CloudEvent cloudEvent) =>
        JsonDocument.Parse(CloudEventJson.SerializeToUtf8Bytes(cloudEvent)).RootElement;

    [Fact]
    public void An_event_is_written_with_the_cloudevents_attribute_names_in_lower_case_and_no_others()
    {
        var json = Written(SampleEvent());

        var names = json.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["id", "source", "specversion", "type", "time", "subject", "datacontenttype", "data"], names);
        Assert.Equal("6d1c5c6e-1f0e-4a49-9a43-2f5b1b9e0c11", json.GetProperty("id").GetString());
        Assert.Equal("/llmops/alerting", json.GetProperty("source").GetString());
        Assert.Equal("1.0", json.GetProperty("specversion").GetString());
        Assert.Equal("io.llmops.alert.fired", json.GetProperty("type").GetString());
        Assert.Equal("project-a", json.GetProperty("subject").GetString());
        Assert.Equal("application/json", json.GetProperty("datacontenttype").GetString());
    }

    [Fact]
    public void Optional_attributes_left_empty_are_left_out_rather_than_written_as_null()
    {
        var json = Written(new CloudEvent { Id = "1", Source = "/llmops/test", Type = "io.llmops.test.happened", DataContentType = null });

        Assert.Equal(["id", "source", "specversion", "type"], json.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Time_is_written_as_rfc3339_in_utc()
    {
        var json = Written(SampleEvent());
        var whole = Written(SampleEvent() with { Time = new DateTimeOffset(2025, 1, 31, 12, 0, 0, TimeSpan.Zero) });

        Assert.Equal("2025-01-31T12:00:00.123Z", json.GetProperty("time").GetString());
        Assert.Equal("2025-01-31T12:00:00Z", whole.GetProperty("time").GetString());
        Assert.Matches(Rfc3339Utc, json.GetProperty("time").GetString()!);
    }

    [Fact]
    public void Data_is_embedded_as_a_json_object_not_as_a_string()
    {
        var data = Written(SampleEvent()).GetProperty("data");

        Assert.Equal(JsonValueKind.Object, data.ValueKind);
        Assert.Equal("fp-1234", data.GetProperty("fingerprint").GetString());
        Assert.Equal(0.25, data.GetProperty("value").GetDouble());
    }

    [Fact]
    public void Create_types_the_event_by_its_contract_and_embeds_the_contract_as_on_the_bus()
    {
        var before = DateTimeOffset.UtcNow;

        var cloudEvent = CloudEvent.Create(CloudEventSources.For("alerting"), SampleAlert(), subject: "project-a");
        var json = Written(cloudEvent);

        Assert.Equal("io.llmops.alert.fired", json.GetProperty("type").GetString());
        Assert.Equal("/llmops/alerting", json.GetProperty("source").GetString());
        Assert.Equal("1.0", json.GetProperty("specversion").GetString());
        Assert.Equal("application/json", json.GetProperty("datacontenttype").GetString());
        Assert.True(Guid.TryParse(json.GetProperty("id").GetString(), out _));
        Assert.Matches(Rfc3339Utc, json.GetProperty("time").GetString()!);
        Assert.InRange(cloudEvent.Time!.Value, before, DateTimeOffset.UtcNow);
        var data = json.GetProperty("data");
        Assert.Equal("high-error-rate", data.GetProperty("ruleName").GetString());
        Assert.Equal("critical", data.GetProperty("severity").GetString());
        Assert.Equal("sim-small", data.GetProperty("labels").GetProperty("model").GetString());
    }

    [Fact]
    public void Create_with_an_id_uses_it_so_a_retry_is_a_duplicate_subscribers_drop()
    {
        var first = CloudEvent.Create("/llmops/alerting", SampleAlert(), id: "fp-1234-fired-20250131T115500Z");
        var retry = CloudEvent.Create("/llmops/alerting", SampleAlert(), id: "fp-1234-fired-20250131T115500Z");

        Assert.Equal(first.Id, retry.Id);
    }

    [Fact]
    public void Create_carries_the_current_w3c_trace_as_traceparent()
    {
        using var activity = new Activity("raise-alert").SetIdFormat(ActivityIdFormat.W3C).Start();

        var json = Written(CloudEvent.Create("/llmops/alerting", SampleAlert()));

        Assert.Equal(activity.Id, json.GetProperty("traceparent").GetString());
    }

    [Fact]
    public void A_written_event_reads_back_with_every_attribute()
    {
        var sent = SampleEvent();

        var received = CloudEventJson.Deserialize(CloudEventJson.SerializeToUtf8Bytes(sent));

        Assert.Equal(sent.Id, received.Id);
        Assert.Equal(sent.Source, received.Source);
        Assert.Equal(sent.SpecVersion, received.SpecVersion);
        Assert.Equal(sent.Type, received.Type);
        Assert.Equal(sent.Time, received.Time);
        Assert.Equal(sent.Subject, received.Subject);
        Assert.Equal(sent.DataContentType, received.DataContentType);
        Assert.True(JsonElement.DeepEquals(sent.Data!.Value, received.Data!.Value));
    }

    [Fact]
    public void An_event_as_dapr_delivers_it_with_extra_attributes_reads()
    {
        const string delivered = """
            {"specversion":"1.0","id":"a1","source":"/llmops/alerting","type":"io.llmops.alert.fired",
             "datacontenttype":"application/json","data":{"fingerprint":"fp"},"time":"2025-01-31T14:00:00+02:00",
             "pubsubname":"llmops-pubsub","topic":"llmops.alerts","traceid":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
            """;

        var cloudEvent = CloudEventJson.Deserialize(Encoding.UTF8.GetBytes(delivered));

        Assert.Equal("a1", cloudEvent.Id);
        Assert.Equal(new DateTimeOffset(2025, 1, 31, 12, 0, 0, TimeSpan.Zero), cloudEvent.Time);
        Assert.Equal("fp", cloudEvent.Data!.Value.GetProperty("fingerprint").GetString());
    }

    [Theory]
    [InlineData("""{"source":"/s","specversion":"1.0","type":"t"}""")]
    [InlineData("""{"id":"1","specversion":"1.0","type":"t"}""")]
    [InlineData("""{"id":"1","source":"/s","specversion":"1.0"}""")]
    [InlineData("""{"id":"1","source":"/s","specversion":"0.3","type":"t"}""")]
    [InlineData("""{"id":"","source":"/s","specversion":"1.0","type":"t"}""")]
    [InlineData("null")]
    public void Reading_an_event_without_a_required_attribute_or_of_another_spec_version_is_refused(string json)
    {
        Assert.ThrowsAny<JsonException>(() => CloudEventJson.Deserialize(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Writing_an_event_without_a_required_attribute_is_refused()
    {
        Assert.Throws<ArgumentException>(() => CloudEventJson.SerializeToUtf8Bytes(SampleEvent() with { Source = " " }));
        Assert.Throws<ArgumentException>(() => CloudEventJson.SerializeToUtf8Bytes(SampleEvent() with { SpecVersion = "0.3" }));
    }

    [Theory]
    [InlineData(typeof(AlertFired), "io.llmops.alert.fired")]
    [InlineData(typeof(AlertResolved), "io.llmops.alert.resolved")]
    [InlineData(typeof(RetrievalImprovementRequested), "io.llmops.action.retrieval_improvement_requested")]
    [InlineData(typeof(PromptRollbackRequested), "io.llmops.action.prompt_rollback_requested")]
    [InlineData(typeof(FineTuneDatasetReady), "io.llmops.action.fine_tune_dataset_ready")]
    [InlineData(typeof(OptimizationActionProposed), "io.llmops.action.optimization_action_proposed")]
    public void Event_types_are_io_llmops_area_event_in_snake_case(Type contract, string expected)
    {
        Assert.Equal(expected, CloudEventTypes.Of(contract));
    }

    [Theory]
    [InlineData("Alert", "fired")]
    [InlineData("alert", "Fired")]
    [InlineData("alert", "fired.twice")]
    [InlineData("", "fired")]
    public void An_event_type_outside_the_convention_is_refused(string area, string eventName)
    {
        Assert.Throws<ArgumentException>(() => CloudEventTypes.For(area, eventName));
    }
}
