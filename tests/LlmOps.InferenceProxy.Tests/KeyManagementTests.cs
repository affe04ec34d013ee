using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.InferenceProxy.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace LlmOps.InferenceProxy.Tests;

public class KeyManagementTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private static string NewId() => "p-" + Guid.NewGuid().ToString("N")[..10];

    private async Task<string> CreateProjectAsync(HttpClient admin)
    {
        var id = NewId();
        var response = await admin.PostAsJsonAsync("/api/projects", new { id, name = "Project " + id });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return id;
    }

    private async Task<(string Key, JsonNode Details)> IssueAsync(HttpClient admin, object request)
    {
        var response = await admin.PostAsJsonAsync("/api/keys", request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return (body["key"]!.GetValue<string>(), body["details"]!);
    }

    [Fact]
    public async Task An_issued_key_is_shown_once_stored_as_a_hash_and_attributes_gateway_traffic_to_its_project()
    {
        using var admin = gateway.Gateway.CreateClient();
        var project = await CreateProjectAsync(admin);

        var (key, details) = await IssueAsync(admin, new { projectId = project, name = "backend" });
        var result = await gateway.Chat("sim-small", key).CompleteChatAsync([new UserChatMessage("as a project")]);

        Assert.StartsWith("llmops-sk-", key);
        Assert.True(key.Length >= 50);
        Assert.StartsWith(details["prefix"]!.GetValue<string>(), key);
        result.GetRawResponse().Headers.TryGetValue("x-llmops-trace-id", out var traceId);
        var inference = await gateway.Capture.ForTraceAsync(traceId!);
        Assert.Equal(project, inference.ProjectId);
        Assert.Equal(details["id"]!.GetValue<string>(), inference.KeyId);

        var listed = await admin.GetStringAsync($"/api/keys?projectId={project}");
        Assert.DoesNotContain(key, listed);
        Assert.DoesNotContain(KeyHashing.Sha256Hex(key), listed);
        await using var scope = gateway.Gateway.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<InferenceProxyDbContext>().ApiKeys.SingleAsync(k => k.ProjectId == project);
        Assert.Equal(KeyHashing.Sha256Hex(key), stored.KeyHash);
    }

    [Fact]
    public async Task A_project_key_may_not_manage_projects_or_keys()
    {
        using var admin = gateway.Gateway.CreateClient();
        var (key, _) = await IssueAsync(admin, new { projectId = await CreateProjectAsync(admin), name = "app" });
        using var asProject = gateway.Gateway.CreateClient(key);

        Assert.Equal(HttpStatusCode.Forbidden, (await asProject.GetAsync("/api/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asProject.PostAsJsonAsync("/api/projects", new { name = "mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asProject.PostAsJsonAsync("/api/keys", new { projectId = "default", name = "x" })).StatusCode);
    }

    [Fact]
    public async Task A_key_limited_to_some_models_is_refused_others_and_only_sees_its_own_in_the_model_list()
    {
        using var admin = gateway.Gateway.CreateClient();
        var (key, _) = await IssueAsync(admin, new { projectId = await CreateProjectAsync(admin), name = "small only", allowedModels = new[] { "sim-small" } });

        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            gateway.Chat("sim-large", key).CompleteChatAsync([new UserChatMessage("big please")]));
        var allowed = await gateway.Chat("sim-small", key).CompleteChatAsync([new UserChatMessage("small is fine")]);
        using var asProject = gateway.Gateway.CreateClient(key);
        var models = JsonNode.Parse(await asProject.GetStringAsync("/v1/models"))!["data"]!.AsArray()
            .Select(m => m!["id"]!.GetValue<string>()).ToList();

        Assert.Equal(403, refused.Status);
        Assert.Contains("model_not_allowed", refused.GetRawResponse()!.Content.ToString());
        Assert.NotEmpty(allowed.Value.Content[0].Text);
        Assert.Equal(["sim-small"], models);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_at_once_and_revoking_again_changes_nothing()
    {
        using var admin = gateway.Gateway.CreateClient();
        var (key, details) = await IssueAsync(admin, new { projectId = await CreateProjectAsync(admin), name = "short-lived" });
        var id = details["id"]!.GetValue<string>();
        await gateway.Chat("sim-small", key).CompleteChatAsync([new UserChatMessage("before")]);

        var revoked = await admin.DeleteAsync($"/api/keys/{id}");
        var first = JsonNode.Parse(await revoked.Content.ReadAsStringAsync())!["revokedAt"]!.GetValue<DateTime>();
        var again = JsonNode.Parse(await (await admin.DeleteAsync($"/api/keys/{id}")).Content.ReadAsStringAsync())!["revokedAt"]!.GetValue<DateTime>();
        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            gateway.Chat("sim-small", key).CompleteChatAsync([new UserChatMessage("after")]));

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal(first, again);
        Assert.Equal(401, refused.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("/api/keys/key_unknown")).StatusCode);
    }

    [Fact]
    public async Task An_expired_key_is_refused()
    {
        using var admin = gateway.Gateway.CreateClient();
        var (key, _) = await IssueAsync(admin, new
        {
            projectId = await CreateProjectAsync(admin),
            name = "expiring",
            expiresAt = DateTimeOffset.UtcNow.AddSeconds(1),
        });
        using var asProject = gateway.Gateway.CreateClient(key);

        await Eventually.TrueAsync(async () => (await asProject.GetAsync("/v1/models")).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(10), "the key to expire");
    }

    [Fact]
    public async Task Bad_project_and_key_requests_get_clear_4xx()
    {
        using var admin = gateway.Gateway.CreateClient();
        var project = await CreateProjectAsync(admin);

        var badId = await admin.PostAsJsonAsync("/api/projects", new { id = "Not Valid!", name = "x" });
        var noName = await admin.PostAsJsonAsync("/api/projects", new { name = "" });
        var duplicate = await admin.PostAsJsonAsync("/api/projects", new { id = project, name = "again" });
        var unknownProject = await admin.PostAsJsonAsync("/api/keys", new { projectId = "nope-" + project, name = "k" });
        var pastExpiry = await admin.PostAsJsonAsync("/api/keys", new { projectId = project, name = "k", expiresAt = DateTimeOffset.UtcNow.AddDays(-1) });
        var negativeLimit = await admin.PostAsJsonAsync("/api/keys", new { projectId = project, name = "k", requestsPerMinute = -5 });
        var wrongType = await admin.PostAsync("/api/keys", JsonContent.Create(new { projectId = project, name = "k", requestsPerMinute = "lots" }));

        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
        Assert.Contains("\"id\"", await badId.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, noName.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownProject.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, pastExpiry.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, negativeLimit.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
    }

    [Fact]
    public async Task A_project_name_alone_gives_a_slug_id()
    {
        using var admin = gateway.Gateway.CreateClient();
        var suffix = Guid.NewGuid().ToString("N")[..6];

        var response = await admin.PostAsJsonAsync("/api/projects", new { name = $"Support Bot {suffix}!" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"support-bot-{suffix}", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Content_capture_is_a_project_setting_that_can_be_changed()
    {
        using var admin = gateway.Gateway.CreateClient();
        var project = "quiet-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/projects", new { id = project, name = "Quiet", captureContent = false })).StatusCode);
        var (key, _) = await IssueAsync(admin, new { projectId = project, name = "app" });

        var silent = await gateway.Chat("sim-small", key).CompleteChatAsync([new UserChatMessage("private question")]);
        silent.GetRawResponse().Headers.TryGetValue("x-llmops-trace-id", out var silentTrace);
        var changed = await admin.PatchAsJsonAsync($"/api/projects/{project}", new { captureContent = true });
        var captured = await gateway.Chat("sim-small", key).CompleteChatAsync([new UserChatMessage("public question")]);
        captured.GetRawResponse().Headers.TryGetValue("x-llmops-trace-id", out var capturedTrace);

        Assert.Null((await gateway.Capture.ForTraceAsync(silentTrace!)).Content);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.True(JsonNode.Parse(await changed.Content.ReadAsStringAsync())!["captureContent"]!.GetValue<bool>());
        Assert.Equal("public question", (await gateway.Capture.ForTraceAsync(capturedTrace!)).Content!.Messages.Single().Content);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PatchAsJsonAsync("/api/projects/no-such-project", new { captureContent = true })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PatchAsJsonAsync($"/api/projects/{project}", new { name = "" })).StatusCode);
    }

    [Fact]
    public async Task Trace_retention_and_pii_redaction_are_project_settings_the_collector_hears_about()
    {
        using var admin = gateway.Gateway.CreateClient();
        var project = NewId();

        var tooShort = await admin.PostAsJsonAsync("/api/projects", new { id = project, name = "r", traceRetentionDays = 0 });
        var created = await admin.PostAsJsonAsync("/api/projects", new { id = project, name = "r", traceRetentionDays = 30, redactTracePii = true });
        var forever = await admin.PatchAsJsonAsync($"/api/projects/{project}", new { traceRetentionDays = 0 });

        Assert.Equal(HttpStatusCode.BadRequest, tooShort.StatusCode);
        var view = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        Assert.Equal((30, true), (view["traceRetentionDays"]!.GetValue<int>(), view["redactTracePii"]!.GetValue<bool>()));
        var changed = JsonNode.Parse(await forever.Content.ReadAsStringAsync())!;
        Assert.Null(changed["traceRetentionDays"]);
        Assert.True(changed["redactTracePii"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PatchAsJsonAsync($"/api/projects/{project}", new { traceRetentionDays = 99_999 })).StatusCode);
    }
}
