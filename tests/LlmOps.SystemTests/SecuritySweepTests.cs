using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LlmOps.Testing;

namespace LlmOps.SystemTests;

/// <summary>
/// Issue #11's security sweep: every route of every service (read from the services themselves) called on the running
/// processes without a key, with malformed and revoked keys, and with project A's key asking for project B's data.
/// </summary>
[Collection(ProcessesCollection.Name)]
public class SecuritySweepTests(ProcessesFixture fixture)
{
    /// <summary>
    /// The only routes that answer without a key: the probes Kubernetes calls. A new anonymous route fails the sweep
    /// until it is added here on purpose.
    /// </summary>
    private static readonly HashSet<string> IntendedAnonymous = ["/health/live", "/health/ready"];

    private ServiceProcesses Platform => fixture.Platform;

    /// <summary>What project B owns, generated through the public APIs so there is something to leak.</summary>
    private sealed record ProjectB(string ProjectId, string KeyId, string Key, string ChatTraceId, string IngestedTraceId, string SessionId,
        Guid InferenceId, string PromptName, string Marker)
    {
        /// <summary>
        /// What must never reach A. Not the ingested trace's id: the sweep has A write a span under that id, and trace ids
        /// are scoped per project, so A then owns a trace of its own by that id (B's stays B's: checked apart, and B's
        /// content carries the marker).
        /// </summary>
        public IEnumerable<string> Identifiers => [ProjectId, KeyId, Key, ChatTraceId, SessionId, InferenceId.ToString(), PromptName, Marker];
    }

    [Fact]
    public async Task Every_route_refuses_missing_malformed_and_revoked_keys_and_never_shows_project_B_to_project_A()
    {
        var routes = RouteCatalog.All;
        Assert.True(routes.Count >= 60, $"only {routes.Count} routes found: the catalog is not reading the services");
        foreach (var service in ServiceProcesses.Names)
            Assert.Contains(routes, r => r.Service == service && r.Pattern.StartsWith("/api/", StringComparison.Ordinal));

        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (_, keyOfA) = await Platform.CreateProjectWithKeyAsync("sweep-a-" + suffix);
        var (revokedId, revokedKey) = await Platform.IssueKeyAsync("sweep-a-" + suffix, "revoked");
        var b = await CreateProjectBAsync("sweep-b-" + suffix);
        await Platform.WaitForKeyAsync(keyOfA);
        await Platform.WaitForKeyAsync(revokedKey);
        using (var admin = Platform.Admin(ServiceProcesses.InferenceProxy))
            Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/keys/{revokedId}")).StatusCode);
        await Platform.WaitForKeyAsync(revokedKey, accepted: false);

        var failures = new List<string>();
        var calls = 0;
        var badKeys = new (string Name, AuthenticationHeaderValue? Header)[]
        {
            ("no key", null),
            ("malformed key", new AuthenticationHeaderValue("Bearer", "not a key at all")),
            ("forged project key", new AuthenticationHeaderValue("Bearer", "llmops-sk-" + Guid.NewGuid().ToString("N"))),
            ("basic credentials", new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("admin:" + Platform.AdminKey)))),
            ("revoked key", new AuthenticationHeaderValue("Bearer", revokedKey)),
        };
        foreach (var route in routes)
        {
            using var client = Platform[route.Service].CreateClient(null);
            client.Timeout = TimeSpan.FromSeconds(30);
            var path = Fill(route.Pattern, b);
            foreach (var method in route.Methods.Count == 0 ? ["GET"] : route.Methods)
            {
                foreach (var (name, header) in badKeys)
                {
                    var (status, _) = await CallAsync(client, method, path, header, Body(route, b));
                    calls++;
                    var anonymous = IntendedAnonymous.Contains(route.Pattern);
                    if (anonymous ? status >= 500 : status != 401)
                        failures.Add($"{route} [{method} {path}] with {name}: {status} (expected {(anonymous ? "an anonymous answer" : "401")})");
                }
                if (route.Anonymous && !IntendedAnonymous.Contains(route.Pattern))
                    failures.Add($"{route} is marked AllowAnonymous but is not an intended anonymous route");

                // Project A's key, asking for B's resources by path and by query.
                foreach (var target in new[] { path, path + Query(b) })
                {
                    var (status, body) = await CallAsync(client, method, target, new AuthenticationHeaderValue("Bearer", keyOfA), Body(route, b));
                    calls++;
                    if (status >= 500 || status == 401)
                        failures.Add($"{route} [{method} {target}] with project A's key: {status} {Cut(body)}");
                    else if (route.AdminOnly && status != 403)
                        failures.Add($"{route} [{method} {target}] is admin-only but answered project A's key {status} {Cut(body)}");
                    else if (status is >= 200 and < 300 && b.Identifiers.FirstOrDefault(id => body.Contains(id, StringComparison.Ordinal)) is { } leaked)
                        failures.Add($"{route} [{method} {target}] showed project A project B's '{leaked}': {Cut(body)}");
                }
            }
        }

        // A's writes aimed at B's trace left it as it was, and B still sees it (the ids the sweep used were real).
        using var asB = Platform[ServiceProcesses.TraceCollector].CreateClient(b.Key);
        var trace = JsonNode.Parse(await asB.GetStringAsync($"/api/traces/{b.IngestedTraceId}"))!;
        Assert.Equal(b.ProjectId, trace["projectId"]!.GetValue<string>());
        Assert.DoesNotContain("written-by-a", trace.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Platform.AdminKey, string.Join('\n', Platform.All.SelectMany(s => s.Output)), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await asB.GetAsync($"/api/traces/{b.ChatTraceId}")).StatusCode);

        TestContext.Current.SendDiagnosticMessage($"security sweep: {routes.Count} routes, {calls} calls, {failures.Count} failures");
        Assert.True(failures.Count == 0, $"{failures.Count} of {calls} calls failed:\n" + string.Join('\n', failures));
    }

    private async Task<ProjectB> CreateProjectBAsync(string projectId)
    {
        var (keyId, key) = await Platform.CreateProjectWithKeyAsync(projectId);
        await Platform.WaitForKeyAsync(key);
        var marker = "b-secret-" + Guid.NewGuid().ToString("N");
        var session = "b-session-" + Guid.NewGuid().ToString("N")[..12];
        var promptName = "b-prompt-" + Guid.NewGuid().ToString("N")[..8];

        using var gateway = Platform[ServiceProcesses.InferenceProxy].CreateClient(key);
        var prompt = await gateway.PostAsJsonAsync($"/api/prompts/{promptName}/versions",
            new { messages = new[] { new { role = "system", content = "You answer for " + marker } }, model = "sim-small", labels = new[] { "production" } });
        Assert.True(prompt.IsSuccessStatusCode, $"prompt: {(int)prompt.StatusCode} {await prompt.Content.ReadAsStringAsync()}");

        using var chatRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "sim-small", messages = new[] { new { role = "user", content = "Tell me about " + marker } } }),
        };
        chatRequest.Headers.Add("x-llmops-session", session);
        var chat = await gateway.SendAsync(chatRequest);
        Assert.True(chat.IsSuccessStatusCode, $"chat: {(int)chat.StatusCode} {await chat.Content.ReadAsStringAsync()}");
        var chatTraceId = chat.Headers.GetValues("x-llmops-trace-id").Single();

        var ingestedTraceId = Guid.NewGuid().ToString("N");
        using var collector = Platform[ServiceProcesses.TraceCollector].CreateClient(key);
        var ingest = await collector.PostAsJsonAsync("/api/ingest", new JsonObject
        {
            ["batch"] = new JsonArray(
                IngestEvent("trace-create", new JsonObject { ["id"] = ingestedTraceId, ["input"] = marker, ["sessionId"] = session }),
                IngestEvent("span-create", new JsonObject { ["id"] = "b-span", ["traceId"] = ingestedTraceId, ["name"] = "retrieve", ["output"] = marker })),
        });
        Assert.True(ingest.IsSuccessStatusCode, $"ingest: {(int)ingest.StatusCode} {await ingest.Content.ReadAsStringAsync()}");

        var (trace, _) = await TraceApi.WaitAsync(collector, chatTraceId);
        var inferenceId = trace["observations"]!.AsArray().Select(o => o!["inferenceId"]?.GetValue<Guid?>()).First(i => i is not null)!.Value;
        await TraceApi.WaitAsync(collector, ingestedTraceId);

        using var feedback = Platform[ServiceProcesses.FeedbackIngest].CreateClient(key);
        var sent = await feedback.PostAsJsonAsync("/api/feedback", new { traceId = chatTraceId, kind = "thumbs", value = 1, comment = marker });
        Assert.True(sent.IsSuccessStatusCode, $"feedback: {(int)sent.StatusCode} {await sent.Content.ReadAsStringAsync()}");

        using var costs = Platform[ServiceProcesses.CostAccountant].CreateClient(key);
        await Eventually.TrueAsync(async () => (await costs.GetStringAsync($"/api/costs/inferences?id={inferenceId}")).Contains(projectId, StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "B's cost");
        await Eventually.TrueAsync(async () => (await feedback.GetStringAsync($"/api/feedback?traceId={chatTraceId}")).Contains(marker, StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "B's feedback");
        return new ProjectB(projectId, keyId, key, chatTraceId, ingestedTraceId, session, inferenceId, promptName, marker);
    }

    private static JsonObject IngestEvent(string type, JsonObject body) => new()
    {
        ["id"] = Guid.NewGuid().ToString("N"),
        ["type"] = type,
        ["timestamp"] = DateTime.UtcNow.ToString("O"),
        ["body"] = body,
    };

    /// <summary>Route parameters filled with B's identifiers where the route names one of B's things, else plausible values.</summary>
    private static string Fill(string pattern, ProjectB b)
    {
        var segments = pattern.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (!segments[i].StartsWith('{'))
                continue;
            var name = segments[i].Trim('{', '}', '*').Split(':')[0];
            var collection = i > 0 ? segments[i - 1] : "";
            segments[i] = (collection, name) switch
            {
                ("traces", _) => b.ChatTraceId,
                ("sessions", _) => b.SessionId,
                ("keys", _) => b.KeyId,
                ("projects", _) => b.ProjectId,
                ("prompts", _) => b.PromptName,
                ("rules", _) => "cost_spike",
                (_, "version") => "1",
                (_, "label") => "production",
                (_, "decision") => "approve",
                (_, "fingerprint") => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()),
                _ when segments[i].Contains(":guid", StringComparison.Ordinal) => Guid.NewGuid().ToString(),
                _ => "x",
            };
        }
        return string.Join('/', segments);
    }

    private static string Query(ProjectB b) =>
        $"?projectId={b.ProjectId}&traceId={b.ChatTraceId}&sessionId={b.SessionId}&id={b.InferenceId}&userId=x&name={b.PromptName}";

    /// <summary>Writes aimed at B's things where a route takes them; an empty object elsewhere.</summary>
    private static JsonObject Body(ServiceRoute route, ProjectB b) => route.Pattern switch
    {
        "/api/feedback" => new JsonObject { ["traceId"] = b.ChatTraceId, ["kind"] = "thumbs", ["value"] = 0, ["comment"] = "written-by-a" },
        "/api/ingest" => new JsonObject
        {
            ["batch"] = new JsonArray(IngestEvent("span-create",
                new JsonObject { ["id"] = "a-span-" + Guid.NewGuid().ToString("N")[..8], ["traceId"] = b.IngestedTraceId, ["name"] = "written-by-a" })),
        },
        _ => new JsonObject(),
    };

    private static async Task<(int Status, string Body)> CallAsync(HttpClient client, string method, string path, AuthenticationHeaderValue? key,
        JsonObject body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = key;
        if (method is "POST" or "PUT" or "PATCH")
            request.Content = JsonContent.Create(body);
        using var response = await client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Cut(string body) => body.Length <= 300 ? body : body[..300] + "…";
}
