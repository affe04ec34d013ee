using LlmOps.Alerting.Features.Receivers;
using LlmOps.Testing;

namespace LlmOps.Alerting.Tests.Receivers;

public class WebhookSenderTests
{
    private static async Task<ReceivedRequest> SendAsync(PageReceiver receiver, WebhookConfig? config = null)
    {
        var sender = new WebhookSender("audit-hook", config ?? new WebhookConfig { Url = receiver.Url("/hooks/llmops"), SecretEnv = "HOOK_SECRET" },
            new HttpClient(), Samples.Policy([]), Samples.Env);
        var result = await sender.SendAsync(Samples.Firing(), TestContext.Current.CancellationToken);
        Assert.True(result.Delivered);
        return receiver.Requests.Single();
    }

    [Fact]
    public async Task The_signature_verifies_with_the_secret_and_fails_with_a_wrong_one()
    {
        await using var receiver = await PageReceiver.StartAsync();
        var request = await SendAsync(receiver);
        var timestamp = request.Header("X-LlmOps-Timestamp");
        var signature = request.Header("X-LlmOps-Signature");
        var now = DateTimeOffset.FromUnixTimeSeconds(long.Parse(timestamp!));

        Assert.StartsWith("sha256=", signature);
        Assert.Equal(7 + 64, signature!.Length);
        Assert.True(WebhookSignature.Verify(Samples.Secret, timestamp, request.Body, signature, now));
        Assert.False(WebhookSignature.Verify("not-the-secret", timestamp, request.Body, signature, now));
        Assert.False(WebhookSignature.Verify(Samples.Secret, timestamp, request.Body.Replace("acme", "acmf"), signature, now));
        Assert.False(WebhookSignature.Verify(Samples.Secret, (long.Parse(timestamp!) + 1).ToString(), request.Body, signature, now));
    }

    [Fact]
    public async Task A_replayed_request_outside_the_tolerance_is_rejected()
    {
        await using var receiver = await PageReceiver.StartAsync();
        var request = await SendAsync(receiver);
        var sentAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(request.Header("X-LlmOps-Timestamp")!));

        Assert.False(WebhookSignature.Verify(Samples.Secret, request.Header("X-LlmOps-Timestamp"), request.Body, request.Header("X-LlmOps-Signature"),
            sentAt.AddMinutes(6)));
    }

    [Fact]
    public void The_signature_is_the_HMAC_of_timestamp_dot_body_in_lowercase_hex()
    {
        var key = System.Text.Encoding.UTF8.GetBytes("s3cret");
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(key, "1700000000.{}"u8.ToArray()));

        Assert.Equal("sha256=" + expected, WebhookSignature.Sign("s3cret", 1700000000, "{}"));
    }

    [Fact]
    public async Task The_body_is_Alertmanager_shaped_and_a_custom_header_name_carries_the_signature()
    {
        await using var receiver = await PageReceiver.StartAsync();
        var request = await SendAsync(receiver,
            new WebhookConfig { Url = receiver.Url("/in"), SecretEnv = "HOOK_SECRET", SignatureHeader = "X-Hub-Signature-256" });

        Assert.NotNull(request.Header("X-Hub-Signature-256"));
        Assert.Null(request.Header("X-LlmOps-Signature"));
        Assert.NotNull(request.Header(WebhookSender.DeliveryHeader));
        var body = Samples.Json(request.Body);
        Assert.Equal(["version", "status", "receiver", "groupKey", "dedupKey", "groupLabels", "commonLabels", "commonAnnotations", "externalURL", "alerts"],
            Samples.Names(body));
        Assert.Equal("4", body.GetProperty("version").GetString());
        Assert.Equal("firing", body.GetProperty("status").GetString());
        Assert.Equal("audit-hook", body.GetProperty("receiver").GetString());
        Assert.Equal("{alertname=\"cost-spike\",project=\"acme\"}", body.GetProperty("groupKey").GetString());
        Assert.Equal("platform", body.GetProperty("commonLabels").GetProperty("team").GetString());
        var alert = body.GetProperty("alerts")[0];
        Assert.Equal(["status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint", "value"], Samples.Names(alert));
        Assert.Equal("https://runbooks.example/cost-spike", alert.GetProperty("annotations").GetProperty("runbook_url").GetString());
    }

    [Fact]
    public async Task Retries_of_one_notification_keep_the_delivery_id_and_are_each_signed()
    {
        await using var receiver = await PageReceiver.StartAsync();
        receiver.Script("/hooks/llmops", 503, 200);
        var sender = new WebhookSender("h", new WebhookConfig { Url = receiver.Url("/hooks/llmops"), SecretEnv = "HOOK_SECRET" }, new HttpClient(),
            Samples.Policy([]), Samples.Env);

        var result = await sender.SendAsync(Samples.Firing(), TestContext.Current.CancellationToken);

        Assert.True(result.Delivered);
        var requests = receiver.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal(requests[0].Header(WebhookSender.DeliveryHeader), requests[1].Header(WebhookSender.DeliveryHeader));
        Assert.All(requests, r => Assert.True(WebhookSignature.Verify(Samples.Secret, r.Header("X-LlmOps-Timestamp"), r.Body,
            r.Header("X-LlmOps-Signature"), DateTimeOffset.FromUnixTimeSeconds(long.Parse(r.Header("X-LlmOps-Timestamp")!)))));
    }
}
