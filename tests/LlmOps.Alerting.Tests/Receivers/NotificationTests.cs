using LlmOps.Alerting.Features.Receivers;

namespace LlmOps.Alerting.Tests.Receivers;

public class NotificationTests
{
    [Fact]
    public void The_dedup_key_is_alertname_and_sorted_group_labels()
    {
        var key = Notification.DedupKeyFor("cost-spike", new Dictionary<string, string> { ["team"] = "ml", ["project"] = "acme", ["alertname"] = "cost-spike" });

        Assert.Equal("llmops/cost-spike/project=acme,team=ml", key);
    }

    [Fact]
    public void A_long_dedup_key_is_cut_to_255_with_a_hash_tail_that_keeps_keys_stable_and_distinct()
    {
        var labels = new Dictionary<string, string> { ["project"] = new string('a', 400) };
        var other = new Dictionary<string, string> { ["project"] = new string('a', 399) + "b" };

        var key = Notification.DedupKeyFor("cost-spike", labels);

        Assert.Equal(Notification.MaxDedupKeyLength, key.Length);
        Assert.StartsWith("llmops/cost-spike/project=aaa", key);
        Assert.Equal(key, Notification.DedupKeyFor("cost-spike", labels));
        Assert.NotEqual(key, Notification.DedupKeyFor("cost-spike", other));
        Assert.Equal(Notification.MaxDedupKeyLength, Notification.Create("cost-spike", labels, [Samples.Alert("f1", "s")]).DedupKey.Length);
    }

    [Fact]
    public void A_group_fires_while_any_alert_fires_and_resolves_when_all_ended()
    {
        var ended = Samples.Started.AddMinutes(5);

        Assert.Equal(Notification.Firing, Samples.Firing(Samples.Alert("f1", "a", endsAt: ended), Samples.Alert("f2", "b")).Status);
        Assert.Equal(Notification.Resolved, Samples.Firing(Samples.Alert("f1", "a", endsAt: ended), Samples.Alert("f2", "b", endsAt: ended)).Status);
    }

    [Fact]
    public void Common_labels_and_annotations_are_those_every_alert_shares()
    {
        var notification = Samples.Firing(Samples.Alert("f1", "one", "page"), Samples.Alert("f2", "two", "warning"));

        Assert.Equal("acme", notification.CommonLabels["project"]);
        Assert.False(notification.CommonLabels.ContainsKey("severity"));
        Assert.Equal("https://runbooks.example/cost-spike", notification.CommonAnnotations["runbook_url"]);
        Assert.False(notification.CommonAnnotations.ContainsKey("summary"));
        Assert.Equal("{alertname=\"cost-spike\",project=\"acme\"}", notification.GroupKey);
    }
}
