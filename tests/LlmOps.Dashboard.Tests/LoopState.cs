using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Actions;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.InferenceProxy.Features.Prompts;
using LlmOps.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Dashboard.Tests;

/// <summary>
/// What the Prompts, Loop and Costs pages show: a prompt with three versions, label moves and traffic on two of them, a
/// rollback the loop asked for that waits for approval (in the registry, through its own handler, and in the evaluator's
/// action book), an open RAG action, a drift signal and a budget. The loop's diagnoses need hundreds of scores, so its
/// records are written directly instead of being provoked.
/// </summary>
internal static class LoopState
{
    public static async Task SeedAsync(PlatformWithTraffic platform, HttpClient admin)
    {
        var name = PlatformWithTraffic.PromptName;
        await PostAsync(admin, $"/api/prompts/{name}/versions", new
        {
            messages = new[] { new { role = "system", content = "You answer support questions.\nBe brief." }, new { role = "user", content = "{{question}}" } },
            model = PlatformWithTraffic.Model, commitMessage = "first cut", labels = new[] { "production" },
        });
        await PostAsync(admin, $"/api/prompts/{name}/versions", new
        {
            messages = new[] { new { role = "system", content = "You answer support questions.\nBe brief.\nCite the order number." }, new { role = "user", content = "{{question}}" } },
            model = PlatformWithTraffic.Model, commitMessage = "cite the order", labels = new[] { "staging" },
        });
        await PostAsync(admin, $"/api/prompts/{name}/versions", new
        {
            messages = new[] { new { role = "system", content = "You answer support questions in JSON.\nCite the order number." }, new { role = "user", content = "{{question}}" } },
            model = PlatformWithTraffic.Model, commitMessage = "answer in JSON", labels = new[] { "production" },
        });
        var policy = await admin.PutAsJsonAsync($"/api/prompts/{name}/policy", new { policy = "approval" });
        Assert.True(policy.IsSuccessStatusCode, await policy.Content.ReadAsStringAsync());

        foreach (var version in new[] { 2, 3 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = PlatformWithTraffic.Model, messages = Array.Empty<object>(), metadata = new { question = "Where is order 7?" } }),
            };
            request.Headers.Add("x-llmops-prompt", $"{name}#{version}");
            if (version == 3)
                request.Headers.Add("x-llmops-trace-id", platform.PromptTraceId);
            var answer = await admin.SendAsync(request);
            Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
        }
        // A score on v3's trace, for the page's score means per version (prompt-stats).
        using (var project = platform.Host.CreateClient(platform.ProjectKey))
        {
            var score = new JsonObject
            {
                ["batch"] = new JsonArray(new JsonObject
                {
                    ["id"] = Guid.NewGuid().ToString("N"), ["type"] = "score-create", ["timestamp"] = DateTime.UtcNow.ToString("O"),
                    ["body"] = new JsonObject { ["id"] = platform.PromptTraceId + "-quality", ["traceId"] = platform.PromptTraceId, ["name"] = PlatformWithTraffic.PromptScore, ["value"] = 0.8 },
                }),
            };
            var ingested = await project.PostAsync("/api/ingest", new StringContent(score.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(207, (int)ingested.StatusCode);
        }
        await Eventually.UntilAsync(async () =>
        {
            var stats = JsonNode.Parse(await admin.GetStringAsync($"/api/prompt-stats?name={name}"))!["data"]!.AsArray();
            return stats.Any(v => v!["version"]!.GetValue<int>() == 3 && v["scores"]!.AsArray().Count > 0) ? stats : null;
        }, TimeSpan.FromSeconds(30), $"a score for {name} v3 in /api/prompt-stats");

        var evidence = new ActionEvidence
        {
            Metric = "json_valid", SampleSize = 240, FailureCount = 31, Rate = 31 / 240.0, IntervalLow = 0.093, IntervalHigh = 0.178, Method = "wilson",
            BaselineSampleSize = 310, BaselineRate = 0.016, WindowFrom = DateTimeOffset.UtcNow.AddHours(-6), WindowTo = DateTimeOffset.UtcNow,
            ExampleTraceIds = [platform.TraceId],
        };
        var now = DateTime.UtcNow;
        using (var scope = platform.Host.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<PromptRegistry>().HandleRollbackAsync(new PromptRollbackRequested
            {
                ActionId = platform.RollbackActionId, ProjectId = "default", PromptName = name, Label = "production", FromVersion = 3, ToVersion = 2,
                Reason = "json_valid fails on v3 far more than on v2", Evidence = evidence, RequestedAt = DateTimeOffset.UtcNow,
            }, CancellationToken.None);

            var db = scope.ServiceProvider.GetRequiredService<EvaluatorDbContext>();
            db.Actions.Add(Action(platform.RollbackActionId, ActionPaths.Prompt, "prompt_rollback", $"{name}", "Roll support-answer back from v3 to v2: json_valid fails", evidence, now));
            db.Actions.Add(Action(platform.RagActionId, ActionPaths.Rag, "retrieval_improvement", "orders-index",
                "Improve retrieval on orders-index: context relevance is low", evidence with { Metric = "context_relevance", BaselineSampleSize = null, BaselineRate = null }, now));
            db.DriftSignals.Add(new DriftSignalRecord
            {
                Id = Guid.NewGuid(), ProjectId = "default", Kind = "query", Statistic = "psi", Subject = name, PromptName = name, PromptVersion = 3,
                Value = 0.31, Threshold = 0.2, BaselineFrom = now.AddDays(-8), BaselineTo = now.AddDays(-1), CurrentFrom = now.AddDays(-1), CurrentTo = now,
                Detail = "questions about refunds rose from 4 % to 19 %", DetectedAt = now, CooldownUntil = now.AddHours(6),
            });
            await db.SaveChangesAsync();
        }

        await PostAsync(admin, "/api/budgets", new { projectId = "default", scope = "project", period = "month", amount = 1.0, thresholds = new[] { 50.0, 80.0, 100.0 } });
        await Eventually.UntilAsync(async () =>
        {
            var costs = JsonNode.Parse(await admin.GetStringAsync("/api/costs?groupBy=prompt"))!["data"]!.AsArray();
            return costs.Any(r => r!["group"]!["prompt"]!.GetValue<string>() == $"{name}#3") ? costs : null;
        }, TimeSpan.FromSeconds(30), $"{name}#3 in /api/costs?groupBy=prompt");
    }

    private static ActionRecord Action(Guid id, string path, string kind, string subject, string summary, ActionEvidence evidence, DateTime now) => new()
    {
        Id = id, ProjectId = "default", Path = path, Kind = kind, Subject = subject, Summary = summary,
        Evidence = JsonSerializer.Serialize(evidence, JsonSerializerOptions.Web), Details = "{}", Status = "open",
        PromptName = path == ActionPaths.Prompt ? subject : null, PromptVersion = path == ActionPaths.Prompt ? 3 : null,
        CreatedAt = now, CooldownUntil = now.AddHours(1), UpdatedAt = now,
    };

    private static async Task PostAsync(HttpClient admin, string path, object body)
    {
        var response = await admin.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {await response.Content.ReadAsStringAsync()}");
    }
}
