using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmOps.Testing;
using Microsoft.Playwright;

namespace LlmOps.Dashboard.Tests;

/// <summary>
/// The console in headless chromium against the embedded platform and its traffic (<see cref="PlatformWithTraffic"/>):
/// every page loads without console errors and shows what the APIs hold; screenshots go to docs/screenshots/.
/// </summary>
public class DashboardPageTests(PlatformWithTraffic platform) : IClassFixture<PlatformWithTraffic>
{
    // The committed pictures in docs/screenshots are refreshed only on purpose (LLMOPS_UPDATE_SCREENSHOTS=1), so a test
    // run does not leave the working tree changed; otherwise they are still taken (a page that cannot be captured fails).
    private static readonly string Screenshots = Environment.GetEnvironmentVariable("LLMOPS_UPDATE_SCREENSHOTS") == "1"
        ? Path.Combine(RepositoryRoot(), "docs", "screenshots")
        : Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "llmops-tests", "screenshots")).FullName;

    private sealed record Session(IBrowserContext Context, IPage Page, List<string> ConsoleErrors) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await Context.DisposeAsync();
    }

    private async Task<Session> OpenAsync(string path = "/", ViewportSize? viewport = null)
    {
        var context = await platform.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = platform.Host.BaseAddress.ToString(),
            ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 900 },
            Locale = "en-GB",
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") lock (errors) errors.Add($"{message.Text} ({message.Location})"); };
        page.PageError += (_, error) => { lock (errors) errors.Add(error); };
        await page.GotoAsync(path);
        return new Session(context, page, errors);
    }

    private static async Task SignInAsync(IPage page, string key = TestHost.AdminKey)
    {
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name), FullPage = true });
    }

    [Fact]
    public async Task Overview_shows_the_model_and_its_cost_with_charts_and_no_console_error()
    {
        await using var s = await OpenAsync();
        await SignInAsync(s.Page);

        await Assertions.Expect(s.Page.Locator("#tile-cost .value")).ToHaveTextAsync(new Regex(@"^\$\d+\.\d+$"));
        await Assertions.Expect(s.Page.Locator("#tile-requests .value")).Not.ToHaveTextAsync("0");
        var costTable = s.Page.GetByRole(AriaRole.Region, new() { Name = "Cost per hour by model (stacked)" });
        await Assertions.Expect(costTable.GetByRole(AriaRole.Cell, new() { Name = PlatformWithTraffic.Model, Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(costTable.Locator("td.num").Last).ToHaveTextAsync(new Regex(@"^\$\d"));
        await Assertions.Expect(s.Page.Locator(".uplot").First).ToBeVisibleAsync();
        await Assertions.Expect(s.Page.GetByRole(AriaRole.Cell, new() { Name = "faithfulness", Exact = true })).ToBeVisibleAsync();

        await s.Page.GetByRole(AriaRole.Button, new() { Name = "1h", Exact = true }).ClickAsync();
        await Assertions.Expect(s.Page.GetByRole(AriaRole.Region, new() { Name = "Cost per minute by model (stacked)" })).ToBeVisibleAsync();
        await Assertions.Expect(s.Page.Locator(".uplot").First).ToBeVisibleAsync();
        Assert.DoesNotContain("null", await s.Page.InnerTextAsync("#page"));

        // The cache project's question asked twice is one hit (of its lookups); its streamed request is the one timed first token.
        await Assertions.Expect(s.Page.Locator("#cache-summary")).ToHaveTextAsync(new Regex(@"^1 of [2-9] cache lookups answered from the cache"));
        await Assertions.Expect(s.Page.Locator("#tile-cache .value")).ToHaveTextAsync(new Regex(@"^(33\.3|50\.0) %$"));
        await Assertions.Expect(s.Page.GetByRole(AriaRole.Region, new() { Name = "Cache hit rate" }).Locator(".uplot")).ToBeVisibleAsync();
        await Assertions.Expect(s.Page.Locator("#ttft-summary")).ToHaveTextAsync(new Regex(@"^Streamed generations timed: 1; worst p95 (\d+ ms|\d+\.\d\d s)\.$"));
        await Assertions.Expect(s.Page.GetByRole(AriaRole.Region, new() { Name = "Time to first token p50 / p95 (streamed)" }).Locator(".uplot")).ToBeVisibleAsync();

        await s.Page.GetByLabel("Cost by:").SelectOptionAsync("project");
        var byProject = s.Page.GetByRole(AriaRole.Region, new() { Name = "Cost per minute by project (stacked)" });
        await Assertions.Expect(byProject.Locator(".uplot")).ToBeVisibleAsync();
        await Assertions.Expect(byProject.GetByRole(AriaRole.Cell, new() { Name = PlatformWithTraffic.CacheProject, Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(byProject.GetByRole(AriaRole.Cell, new() { Name = "default", Exact = true })).ToBeVisibleAsync();
        // The stacked chart draws one series per project: its legend names both, and no model any more.
        var legend = byProject.Locator(".u-legend .u-series .u-label");
        await Assertions.Expect(legend.GetByText(PlatformWithTraffic.CacheProject, new() { Exact = true })).ToHaveCountAsync(1);
        await Assertions.Expect(legend.GetByText("default", new() { Exact = true })).ToHaveCountAsync(1);
        await Assertions.Expect(legend.GetByText(PlatformWithTraffic.Model, new() { Exact = true })).ToHaveCountAsync(0);
        await s.Page.GetByLabel("Cost by:").SelectOptionAsync("model");
        var byModel = s.Page.GetByRole(AriaRole.Region, new() { Name = "Cost per minute by model (stacked)" }).Locator(".u-legend .u-series .u-label");
        await Assertions.Expect(byModel.GetByText(PlatformWithTraffic.Model, new() { Exact = true })).ToHaveCountAsync(1);
        await Assertions.Expect(byModel.GetByText(PlatformWithTraffic.CacheProject, new() { Exact = true })).ToHaveCountAsync(0);

        await s.Page.GetByLabel("Traces by:").SelectOptionAsync("feature");
        var byFeature = s.Page.GetByRole(AriaRole.Region, new() { Name = "Traces per minute by feature (stacked)" });
        await Assertions.Expect(byFeature.Locator(".uplot")).ToBeVisibleAsync();
        await Assertions.Expect(byFeature.GetByRole(AriaRole.Cell, new() { Name = "(none)", Exact = true })).ToBeVisibleAsync();
        await s.Page.GetByLabel("Traces by:").SelectOptionAsync("");
        await Assertions.Expect(byFeature).Not.ToBeVisibleAsync();
        await ScreenshotAsync(s.Page, "overview.png");
        Assert.Empty(s.ConsoleErrors);
    }

    [Fact]
    public async Task Overview_fits_a_phone_screen()
    {
        await using var s = await OpenAsync("/", new ViewportSize { Width = 390, Height = 844 });
        await SignInAsync(s.Page);

        await Assertions.Expect(s.Page.Locator("#tile-cost .value")).ToHaveTextAsync(new Regex(@"^\$"));
        await Assertions.Expect(s.Page.Locator(".uplot").First).ToBeVisibleAsync();
        var overflow = await s.Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
        await ScreenshotAsync(s.Page, "overview-phone.png");
        Assert.False(overflow, "the overview scrolls sideways on a 390 px wide screen");
        Assert.Empty(s.ConsoleErrors);
    }

    [Fact]
    public async Task Trace_list_finds_the_ingested_trace_and_its_page_shows_the_tree_timings_and_cost()
    {
        await using var s = await OpenAsync("/traces");
        await SignInAsync(s.Page);

        var link = s.Page.GetByRole(AriaRole.Link, new() { Name = platform.TraceId, Exact = true });
        await Assertions.Expect(link).ToBeVisibleAsync();
        await Assertions.Expect(s.Page.GetByRole(AriaRole.Cell, new() { Name = PlatformWithTraffic.Model }).First).ToBeVisibleAsync();
        await s.Page.GetByLabel("Search input / output").FillAsync("Where is my order");
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Assertions.Expect(s.Page.Locator("tbody tr")).ToHaveCountAsync(1);
        await ScreenshotAsync(s.Page, "traces.png");

        await s.Page.GetByRole(AriaRole.Link, new() { Name = platform.TraceId, Exact = true }).ClickAsync();
        await Assertions.Expect(s.Page.Locator("#trace-id")).ToHaveTextAsync(platform.TraceId);
        var tree = s.Page.GetByRole(AriaRole.List, new() { Name = "Observation tree and timings" });
        var retrieval = tree.Locator("button[data-type=retrieval]");
        var generation = tree.Locator("button[data-type=generation]");
        await Assertions.Expect(retrieval).ToContainTextAsync("search orders");
        await Assertions.Expect(generation).ToContainTextAsync("answer");
        // Parent before child: the generation is nested under the retrieval it was reported under.
        await Assertions.Expect(generation).ToHaveAttributeAsync("aria-label", new Regex("level 2"));
        await Assertions.Expect(tree.Locator(".bar")).ToHaveCountAsync(2);
        await retrieval.ClickAsync();
        await Assertions.Expect(s.Page.Locator("#observation-detail")).ToContainTextAsync("Order 7 shipped Monday.");
        await Assertions.Expect(s.Page.GetByRole(AriaRole.Region, new() { Name = "Scores" })).ToContainTextAsync("faithfulness");
        Assert.DoesNotContain("null", await s.Page.InnerTextAsync("#page"));
        await ScreenshotAsync(s.Page, "trace.png");
        Assert.Empty(s.ConsoleErrors);
    }

    [Fact]
    public async Task A_gateway_trace_page_shows_the_cost_recorded_for_its_generation()
    {
        using var admin = platform.Host.CreateClient();
        var traces = JsonNode.Parse(await admin.GetStringAsync($"/api/traces?model={PlatformWithTraffic.Model}&limit=50"))!["data"]!.AsArray();
        var gatewayTrace = traces.Select(t => t!["id"]!.GetValue<string>()).First(id => id != platform.TraceId);
        await using var s = await OpenAsync($"/traces/{gatewayTrace}");
        await SignInAsync(s.Page);

        await Assertions.Expect(s.Page.Locator("#trace-id")).ToHaveTextAsync(gatewayTrace);
        var cost = s.Page.Locator("dl.meta").First.Locator("dt:text-is('Cost') + dd");
        await Assertions.Expect(cost).ToHaveTextAsync(new Regex(@"^\$\d"));
        Assert.Empty(s.ConsoleErrors);
    }

    [Fact]
    public async Task Acknowledging_a_firing_alert_changes_its_state_in_the_page_and_in_the_api()
    {
        using var admin = platform.Host.CreateClient();
        var alert = await platform.FiringAlertAsync(admin);
        Assert.NotNull(alert);
        await using var s = await OpenAsync("/alerts");
        await SignInAsync(s.Page);

        var alerts = s.Page.GetByRole(AriaRole.Region, new() { Name = "Firing and recent alerts" });
        var row = alerts.Locator("tr", new() { HasText = PlatformWithTraffic.RuleName });
        await Assertions.Expect(row.Locator(".badge.firing")).ToBeVisibleAsync();
        await Assertions.Expect(s.Page.GetByRole(AriaRole.Region, new() { Name = "Rules" })).ToContainTextAsync(PlatformWithTraffic.RuleName);
        await s.Page.GetByLabel("Your name").FillAsync("dana");
        await s.Page.GetByLabel("Your name").DispatchEventAsync("change");
        await row.GetByRole(AriaRole.Button, new() { Name = $"Acknowledge {PlatformWithTraffic.RuleName}" }).ClickAsync();

        await Assertions.Expect(row).ToContainTextAsync("acknowledged");
        await Assertions.Expect(row).ToContainTextAsync("dana (admin key)");
        var after = await platform.FiringAlertAsync(admin);
        Assert.Equal("dana (admin key)", after!["acknowledgedBy"]!.GetValue<string>());

        await row.GetByRole(AriaRole.Button, new() { Name = $"Silence {PlatformWithTraffic.RuleName}" }).ClickAsync();
        await Assertions.Expect(s.Page.GetByLabel("Matchers (one per line)")).ToHaveValueAsync(new Regex($"alertname=\"{PlatformWithTraffic.RuleName}\""));
        await s.Page.GetByLabel("Comment (required)").FillAsync("looking into the spend");
        await s.Page.GetByRole(AriaRole.Button, new() { Name = "Create silence" }).ClickAsync();
        await Assertions.Expect(s.Page.Locator("#alerts-status")).ToHaveTextAsync("Silence created for 1h.");
        var silences = JsonNode.Parse(await admin.GetStringAsync("/api/silences"))!["data"]!.AsArray();
        Assert.Contains(silences, x => x!["comment"]!.GetValue<string>() == "looking into the spend");
        await ScreenshotAsync(s.Page, "alerts.png");
        Assert.Empty(s.ConsoleErrors);
    }

    [Fact]
    public async Task Prompts_page_shows_versions_labels_cost_a_diff_and_history_and_approving_the_rollback_moves_the_label()
    {
        var name = PlatformWithTraffic.PromptName;
        await using var s = await OpenAsync("/prompts");
        await SignInAsync(s.Page);

        var prompts = s.Page.GetByRole(AriaRole.Region, new() { Name = "Prompts" });
        await Assertions.Expect(prompts.GetByRole(AriaRole.Cell, new() { Name = "production → v3" })).ToBeVisibleAsync();
        await prompts.GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync();

        await Assertions.Expect(s.Page.Locator("#prompt-name")).ToHaveTextAsync(name);
        var versions = s.Page.GetByRole(AriaRole.Region, new() { Name = "Versions" });
        var v3 = versions.Locator("tr", new() { HasText = "answer in JSON" });
        await Assertions.Expect(v3).ToContainTextAsync("production");
        await Assertions.Expect(v3.Locator("td.num").Nth(2)).ToHaveTextAsync(new Regex(@"^\$0?\.?\d"));
        await Assertions.Expect(v3.Locator("td.num").Nth(1)).ToHaveTextAsync("1");
        await Assertions.Expect(v3.Locator("ul.scores")).ToContainTextAsync($"{PlatformWithTraffic.PromptScore} 0.80 (n = 1)");
        var diff = s.Page.Locator("#diff-output");
        await Assertions.Expect(diff.Locator(".d-add")).ToContainTextAsync("+ You answer support questions in JSON.");
        await Assertions.Expect(diff.Locator(".d-del").First).ToContainTextAsync("- You answer support questions.");
        await Assertions.Expect(s.Page.GetByRole(AriaRole.Region, new() { Name = "Label moves" }).Locator("tr", new() { HasText = "v1 → v3" })).ToBeVisibleAsync();
        var pending = s.Page.GetByRole(AriaRole.Region, new() { Name = "Pending rollbacks" });
        await Assertions.Expect(pending).ToContainTextAsync("v3 → v2");
        await Assertions.Expect(pending).ToContainTextAsync("json_valid");
        await ScreenshotAsync(s.Page, "prompt.png");

        await s.Page.GetByLabel("Reason (optional, recorded with the decision)").FillAsync("v3 breaks JSON");
        await pending.GetByRole(AriaRole.Button, new() { Name = "Approve rollback of production to v2" }).ClickAsync();
        await Assertions.Expect(s.Page.Locator("#prompt-status")).ToHaveTextAsync("Rollback of production to v2: approved.");
        await Assertions.Expect(s.Page.GetByRole(AriaRole.Region, new() { Name = "Versions" }).Locator("tr", new() { HasText = "cite the order" }))
            .ToContainTextAsync("production");

        using var admin = platform.Host.CreateClient();
        var prompt = JsonNode.Parse(await admin.GetStringAsync($"/api/prompts/{name}"))!;
        Assert.Equal(2, prompt["labels"]!["production"]!["version"]!.GetValue<int>());
        var decided = JsonNode.Parse(await admin.GetStringAsync($"/api/prompts/{name}/pending-actions?status=all"))!["data"]!.AsArray()
            .Single(a => a!["actionId"]!.GetValue<Guid>() == platform.RollbackActionId)!;
        Assert.Equal("approved", decided["status"]!.GetValue<string>());
        Assert.Equal("v3 breaks JSON", decided["decisionReason"]!.GetValue<string>());
        var loop = JsonNode.Parse(await admin.GetStringAsync($"/api/actions/{platform.RollbackActionId}"))!;
        Assert.Equal("resolved", loop["status"]!.GetValue<string>());
        Assert.DoesNotContain("null", await s.Page.InnerTextAsync("#page"));
        Assert.Empty(s.ConsoleErrors);
    }

    [Fact]
    public async Task Loop_page_shows_actions_by_path_with_evidence_and_drift_and_acknowledging_changes_the_api()
    {
        await using var s = await OpenAsync("/loop");
        await SignInAsync(s.Page);

        var rag = s.Page.GetByRole(AriaRole.Region, new() { Name = "RAG actions" });
        var row = rag.Locator("tr", new() { HasText = "orders-index" });
        await Assertions.Expect(row).ToContainTextAsync("context_relevance");
        await Assertions.Expect(row).ToContainTextAsync("31 of 240 failed");
        await Assertions.Expect(row.GetByRole(AriaRole.Link, new() { Name = platform.TraceId })).ToHaveAttributeAsync("href", $"/traces/{platform.TraceId}");
        await Assertions.Expect(s.Page.GetByRole(AriaRole.Region, new() { Name = "Prompt actions" })).ToContainTextAsync(PlatformWithTraffic.PromptName);
        await Assertions.Expect(s.Page.GetByRole(AriaRole.Region, new() { Name = "Drift signals" })).ToContainTextAsync("psi");
        await ScreenshotAsync(s.Page, "loop.png");

        await row.GetByRole(AriaRole.Button, new() { Name = "Acknowledge Improve retrieval" }).ClickAsync();
        await Assertions.Expect(s.Page.Locator("#loop-notice")).ToContainTextAsync("acknowledged");
        await Assertions.Expect(row.Locator(".badge").First).ToHaveTextAsync("acknowledged");
        using var admin = platform.Host.CreateClient();
        var action = JsonNode.Parse(await admin.GetStringAsync($"/api/actions/{platform.RagActionId}"))!;
        Assert.Equal("acknowledged", action["status"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(action["updatedBy"]?.GetValue<string>()), "who acknowledged is kept");
        Assert.Empty(s.ConsoleErrors);
    }

    [Fact]
    public async Task Costs_page_shows_the_budget_burn_down_and_the_top_spenders()
    {
        await using var s = await OpenAsync("/costs");
        await SignInAsync(s.Page);

        var budgets = s.Page.GetByRole(AriaRole.Region, new() { Name = "Budgets" });
        await Assertions.Expect(budgets.Locator("tr", new() { HasText = "default" })).ToContainTextAsync(new Regex(@"\$\d.* / \$1\.00"));
        await Assertions.Expect(s.Page.Locator("#burn-downs .uplot")).ToBeVisibleAsync();
        await s.Page.GetByLabel("Top spenders by", new() { Exact = true }).SelectOptionAsync("prompt");
        var top = s.Page.GetByRole(AriaRole.Region, new() { Name = "Top spenders by prompt, last 7d" });
        await Assertions.Expect(top.GetByRole(AriaRole.Cell, new() { Name = $"{PlatformWithTraffic.PromptName}#3" })).ToBeVisibleAsync();
        await s.Page.GetByLabel("Top spenders by", new() { Exact = true }).SelectOptionAsync("model");
        await Assertions.Expect(s.Page.GetByRole(AriaRole.Region, new() { Name = "Top spenders by model, last 7d" })
            .GetByRole(AriaRole.Cell, new() { Name = PlatformWithTraffic.Model, Exact = true })).ToBeVisibleAsync();
        Assert.DoesNotContain("null", await s.Page.InnerTextAsync("#page"));
        await ScreenshotAsync(s.Page, "costs.png");
        Assert.Empty(s.ConsoleErrors);
    }

    [Fact]
    public async Task The_key_is_never_in_the_page_source_nor_in_any_console_file()
    {
        await using var s = await OpenAsync();
        await SignInAsync(s.Page);
        await Assertions.Expect(s.Page.Locator("#tile-cost .value")).ToHaveTextAsync(new Regex(@"^\$"));

        foreach (var path in new[] { "/", "/traces", $"/traces/{platform.TraceId}", "/alerts", "/prompts", $"/prompts/{PlatformWithTraffic.PromptName}", "/loop", "/costs" })
        {
            await s.Page.GotoAsync(path);
            await Assertions.Expect(s.Page.Locator("#page h1").First).ToBeVisibleAsync();
            Assert.DoesNotContain(TestHost.AdminKey, await s.Page.ContentAsync());
            using var anonymous = platform.Host.CreateClient(bearerKey: null);
            var served = await anonymous.GetAsync(path);
            Assert.True(served.IsSuccessStatusCode, $"{path} answered {(int)served.StatusCode} without a key");
            Assert.DoesNotContain(TestHost.AdminKey, await served.Content.ReadAsStringAsync());
        }
        Assert.Empty(s.ConsoleErrors);
    }

    [Fact]
    public async Task A_wrong_key_shows_a_clear_sign_in_error_and_no_data()
    {
        await using var s = await OpenAsync();

        await SignInAsync(s.Page, "llmops-sk-not-a-real-key-000000");

        await Assertions.Expect(s.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("that key was not accepted");
        await Assertions.Expect(s.Page.GetByRole(AriaRole.Navigation, new() { Name = "Pages" })).ToBeHiddenAsync();
        await ScreenshotAsync(s.Page, "sign-in-error.png");
        // The only console line allowed is the browser's own note of the refused request.
        Assert.All(s.ConsoleErrors, e => Assert.Contains("401", e));
    }

    [Fact]
    public async Task Console_routes_never_shadow_the_api_health_or_gateway()
    {
        using var anonymous = platform.Host.CreateClient(bearerKey: null);

        Assert.Equal(401, (int)(await anonymous.GetAsync("/api/traces")).StatusCode);
        Assert.Equal(401, (int)(await anonymous.GetAsync("/api/no-such-route")).StatusCode);
        Assert.Equal(401, (int)(await anonymous.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(200, (int)(await anonymous.GetAsync("/health/live")).StatusCode);
        Assert.Equal(404, (int)(await anonymous.GetAsync("/console/no-such-file.js")).StatusCode);
        var script = await anonymous.GetAsync("/console/vendor/uplot/uPlot.esm.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LlmOpsPlatform.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("LlmOpsPlatform.sln not found above the test binaries.");
    }
}
