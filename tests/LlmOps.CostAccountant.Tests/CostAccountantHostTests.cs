using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Cost;
using LlmOps.Contracts.Inference;
using LlmOps.CostAccountant.Infrastructure;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.CostAccountant.Tests;

/// <summary>cost-accountant over real HTTP with SQLite and the in-memory bus; the shipped catalog; CostRecorded captured.</summary>
public class CostAccountantHostTests : IAsyncLifetime
{
    private const string KeyOfA = "cost-project-a-key-0123456789";
    private const string KeyOfB = "cost-project-b-key-0123456789";
    private TestHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await CostHost.StartAsync(KeyOfA, KeyOfB);

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private ConcurrentQueue<CostRecorded> Recorded => _host.Services.GetRequiredService<MessageCapture<CostRecorded>>().Messages;

    private static InferenceCompleted Inference(string project, string model, long input, long output, string? user = "u-1",
        string feature = "support", DateTimeOffset? at = null) => new()
    {
        InferenceId = Guid.CreateVersion7(),
        ProjectId = project,
        KeyId = "k-1",
        UserId = user,
        Feature = feature,
        TraceId = Guid.NewGuid().ToString("N"),
        SpanId = Guid.NewGuid().ToString("N")[..16],
        RequestedModel = model,
        Provider = "openai",
        Deployment = "primary",
        Usage = new TokenUsage { InputTokens = input, OutputTokens = output },
        StartedAt = (at ?? DateTimeOffset.UtcNow).AddSeconds(-1),
        CompletedAt = at ?? DateTimeOffset.UtcNow,
        Status = InferenceStatuses.Success,
    };

    private Task PublishAsync(InferenceCompleted inference) =>
        _host.Services.GetRequiredService<BoundedPublisher>().PublishAsync(inference, CancellationToken.None);

    private Task<CostRecorded> RecordedAsync(Guid inferenceId) =>
        Eventually.UntilAsync(() => Task.FromResult(Recorded.FirstOrDefault(r => r.InferenceId == inferenceId)), TimeSpan.FromSeconds(15),
            $"CostRecorded for {inferenceId}");

    [Fact]
    public async Task An_inference_is_priced_from_the_shipped_catalog_recorded_once_and_published_once_even_when_redelivered()
    {
        var inference = Inference("project-a", "gpt-4o-mini", 1_000_000, 100_000);

        await PublishAsync(inference);
        var recorded = await RecordedAsync(inference.InferenceId);
        await PublishAsync(inference);
        await Task.Delay(500);

        Assert.True(recorded.Priced);
        Assert.True(recorded.TotalCost > 0);
        Assert.StartsWith("openai/gpt-4o-mini@", recorded.PriceId);
        Assert.Single(Recorded, r => r.InferenceId == inference.InferenceId);
        await using var scope = _host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CostAccountantDbContext>();
        var row = await db.Costs.AsNoTracking().SingleAsync(c => c.InferenceId == inference.InferenceId);
        Assert.True(row.Published);
        var rollup = await db.Rollups.AsNoTracking().Where(r => r.ProjectId == "project-a" && r.Model == "gpt-4o-mini").SumAsync(r => r.Requests);
        Assert.Equal(1, rollup);
    }

    [Fact]
    public async Task A_gateway_batch_is_priced_per_inference_and_its_redelivery_or_an_overlap_with_single_events_adds_nothing()
    {
        var single = Inference("project-a", "gpt-4o-mini", 1_000_000, 0, user: "batch-user");
        await PublishAsync(single);
        await RecordedAsync(single.InferenceId);
        var inferences = Enumerable.Range(0, 40).Select(_ => Inference("project-a", "gpt-4o-mini", 1_000_000, 0, user: "batch-user")).Append(single).ToList();
        var publisher = _host.Services.GetRequiredService<BoundedPublisher>();

        await publisher.PublishAsync(new InferenceCompletedBatch { Inferences = inferences }, CancellationToken.None);
        foreach (var inference in inferences)
            await RecordedAsync(inference.InferenceId);
        // The redelivery carries one new inference: once that one is priced, the rest of the message was handled too.
        var sentinel = Inference("project-a", "gpt-4o-mini", 1_000_000, 0, user: "batch-user");
        await publisher.PublishAsync(new InferenceCompletedBatch { Inferences = [.. inferences, sentinel] }, CancellationToken.None);
        await RecordedAsync(sentinel.InferenceId);
        inferences.Add(sentinel);

        Assert.All(inferences, i => Assert.Single(Recorded, r => r.InferenceId == i.InferenceId));
        await using var scope = _host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CostAccountantDbContext>();
        Assert.Equal(42, await db.Rollups.AsNoTracking().Where(r => r.ProjectId == "project-a" && r.UserId == "batch-user").SumAsync(r => r.Requests));
        Assert.Equal(42, await db.Costs.AsNoTracking().CountAsync(c => c.UserId == "batch-user" && c.Published));
    }

    [Fact]
    public async Task Costs_are_grouped_by_time_and_dimensions_an_unknown_model_shows_as_unpriced_and_each_project_sees_its_own()
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-30);
        var a1 = Inference("project-a", "gpt-4o", 1_000_000, 0, user: "alice", feature: "chat", at: at);
        var a2 = Inference("project-a", "gpt-4o", 0, 1_000_000, user: "bob", feature: "search", at: at);
        var unknown = Inference("project-a", "homegrown-llm", 10, 10, user: "alice", feature: "chat", at: at);
        var b = Inference("project-b", "gpt-4o", 5_000_000, 0, at: at);
        foreach (var inference in new[] { a1, a2, unknown, b })
            await PublishAsync(inference);
        foreach (var inference in new[] { a1, a2, unknown, b })
            await RecordedAsync(inference.InferenceId);
        using var client = _host.CreateClient(KeyOfA);

        var byModel = JsonNode.Parse(await client.GetStringAsync("/api/costs?groupBy=model&interval=total"))!;
        var byUser = JsonNode.Parse(await client.GetStringAsync("/api/costs/top?by=user&limit=5"))!;
        var hourly = JsonNode.Parse(await client.GetStringAsync("/api/costs?groupBy=feature&interval=hour"))!;

        var gpt4o = byModel["data"]!.AsArray().Single(r => r!["group"]!["model"]!.GetValue<string>() == "gpt-4o")!;
        Assert.Equal(2, gpt4o["totals"]!["requests"]!.GetValue<long>());
        Assert.Equal(12.50m, gpt4o["totals"]!["cost"]!.GetValue<decimal>()); // 1M input at 2.50 + 1M output at 10.00
        var homegrown = byModel["data"]!.AsArray().Single(r => r!["group"]!["model"]!.GetValue<string>() == "homegrown-llm")!;
        Assert.Equal(1, homegrown["totals"]!["unpricedRequests"]!.GetValue<long>());
        Assert.Equal(0m, homegrown["totals"]!["cost"]!.GetValue<decimal>());
        Assert.Contains("homegrown-llm", byModel["unpricedModels"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(3, byModel["totals"]!["requests"]!.GetValue<long>());
        Assert.Equal("bob", byUser["data"]![0]!["value"]!.GetValue<string>());
        Assert.All(hourly["data"]!.AsArray(), r => Assert.NotNull(r!["bucket"]));
        var bView = JsonNode.Parse(await _host.CreateClient(KeyOfB).GetStringAsync("/api/costs"))!;
        Assert.Equal(12.50m, bView["totals"]!["cost"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task Costs_grouped_by_project_show_every_project_to_the_admin_and_only_its_own_to_a_project_key()
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-10);
        var a = Inference("project-a", "gpt-4o", 1_000_000, 0, at: at);
        var b1 = Inference("project-b", "gpt-4o", 2_000_000, 0, at: at);
        var b2 = Inference("project-b", "gpt-4o-mini", 0, 0, at: at);
        foreach (var inference in new[] { a, b1, b2 })
            await PublishAsync(inference);
        foreach (var inference in new[] { a, b1, b2 })
            await RecordedAsync(inference.InferenceId);
        const string url = "/api/costs?groupBy=project&interval=hour";

        var asAdmin = JsonNode.Parse(await _host.CreateClient().GetStringAsync(url))!["data"]!.AsArray();
        var asA = JsonNode.Parse(await _host.CreateClient(KeyOfA).GetStringAsync(url))!["data"]!.AsArray();
        var topForAdmin = JsonNode.Parse(await _host.CreateClient().GetStringAsync("/api/costs/top?by=project"))!["data"]!.AsArray();

        static Dictionary<string, (long Requests, decimal Cost)> ByProject(JsonArray rows) => rows
            .GroupBy(r => r!["group"]!["project"]!.GetValue<string>())
            .ToDictionary(g => g.Key, g => (g.Sum(r => r!["totals"]!["requests"]!.GetValue<long>()), g.Sum(r => r!["totals"]!["cost"]!.GetValue<decimal>())));
        var admin = ByProject(asAdmin);
        Assert.Equal(["project-a", "project-b"], admin.Keys.Order());
        Assert.Equal((1L, 2.50m), admin["project-a"]);
        Assert.Equal(2, admin["project-b"].Requests);
        Assert.Equal(5.00m, admin["project-b"].Cost);
        Assert.All(asAdmin, r => Assert.NotNull(r!["bucket"]));
        var own = ByProject(asA);
        Assert.Equal(["project-a"], own.Keys);
        Assert.Equal((1L, 2.50m), own["project-a"]);
        Assert.Equal("project-b", topForAdmin[0]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Inference_costs_are_looked_up_by_id_and_a_project_key_sees_only_its_own()
    {
        var a = Inference("project-a", "gpt-4o", 1_000_000, 0);
        var unknown = Inference("project-a", "homegrown-llm", 10, 10);
        var b = Inference("project-b", "gpt-4o", 1_000_000, 0);
        foreach (var inference in new[] { a, unknown, b })
            await PublishAsync(inference);
        foreach (var inference in new[] { a, unknown, b })
            await RecordedAsync(inference.InferenceId);
        var url = $"/api/costs/inferences?id={a.InferenceId}&id={unknown.InferenceId}&id={b.InferenceId}";

        var asA = JsonNode.Parse(await _host.CreateClient(KeyOfA).GetStringAsync(url))!["data"]!.AsArray();
        var asAdmin = JsonNode.Parse(await _host.CreateClient().GetStringAsync(url))!["data"]!.AsArray();
        var bad = await _host.CreateClient(KeyOfA).GetAsync("/api/costs/inferences?id=not-a-guid");
        var none = await _host.CreateClient(KeyOfA).GetAsync("/api/costs/inferences");

        Assert.Equal(2, asA.Count);
        var priced = asA.Single(c => c!["inferenceId"]!.GetValue<Guid>() == a.InferenceId)!;
        Assert.Equal(2.50m, priced["cost"]!.GetValue<decimal>());
        Assert.Equal(a.TraceId, priced["traceId"]!.GetValue<string>());
        var unpriced = asA.Single(c => c!["inferenceId"]!.GetValue<Guid>() == unknown.InferenceId)!;
        Assert.False(unpriced["priced"]!.GetValue<bool>());
        Assert.Null(unpriced["cost"]);
        Assert.Equal(3, asAdmin.Count);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
    }

    [Fact]
    public async Task An_operator_price_from_a_date_prices_later_inferences_and_only_the_admin_may_add_one()
    {
        using var admin = _host.CreateClient();
        var price = new { provider = "openai", model = "house-model", input = 1.0, output = 2.0, effectiveFrom = "2025-01-01" };

        var refused = await _host.CreateClient(KeyOfA).PostAsJsonAsync("/api/prices", price);
        var added = await admin.PostAsJsonAsync("/api/prices", price);
        var bad = await admin.PostAsJsonAsync("/api/prices", new { provider = "openai", model = "x", input = 1.0, output = 2.0, effectiveFrom = "soon" });
        var inference = Inference("project-a", "house-model", 1_000_000, 1_000_000);
        await PublishAsync(inference);
        var recorded = await RecordedAsync(inference.InferenceId);
        var listed = JsonNode.Parse(await admin.GetStringAsync("/api/prices?model=house-model"))!;

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(3.0m, recorded.TotalCost);
        Assert.Equal("api", listed["data"]![0]!["source"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/api/costs?interval=week")]
    [InlineData("/api/costs?groupBy=colour")]
    [InlineData("/api/costs?from=yesterday")]
    [InlineData("/api/costs?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z")]
    [InlineData("/api/costs/top?by=weather")]
    [InlineData("/api/costs/top?by=user&limit=0")]
    public async Task Bad_query_parameters_are_clear_400s(string url)
    {
        var response = await _host.CreateClient(KeyOfA).GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]);
    }
}
