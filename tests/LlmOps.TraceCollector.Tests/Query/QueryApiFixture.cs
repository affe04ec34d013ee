using System.Net;
using System.Text.Json.Nodes;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.Testing;
using LlmOps.TraceCollector.Features.Query;
using LlmOps.TraceCollector.Features.Rollups;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.TraceCollector.Tests.Query;

/// <summary>
/// One trace-collector host per test class with the query routes (<see cref="QueryEndpoints"/>), on a real SQLite
/// file (or, with <c>LLMOPS_QUERY_TESTS_ON_POSTGRES=1</c>, a fresh database on the test PostgreSQL of
/// scripts/deps.sh). Tests share the database, so each seeds its own projects (<see cref="NewProjectId"/>); any key
/// <c>project-key:&lt;project&gt;</c> is a project key of that project.
/// </summary>
public sealed class QueryApiFixture : IAsyncLifetime
{
    private const string ProjectKeyPrefix = "project-key:";

    public TestHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var settings = Environment.GetEnvironmentVariable("LLMOPS_QUERY_TESTS_ON_POSTGRES") == "1"
            ? TestInfrastructure.PostgresSettings(await TestInfrastructure.CreateDatabaseAsync("query"))
            : new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")),
            };
        Host = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults("trace-collector");
                builder.AddTraceCollector();
                builder.Services.AddSingleton<IApiKeyResolver, AnyProjectKey>();
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapTraceQueryEndpoints();
            },
            settings);
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();

    public static string NewProjectId() => "p-" + Guid.NewGuid().ToString("N")[..12];

    public HttpClient Admin() => Host.CreateClient();

    public HttpClient KeyOf(string projectId) => Host.CreateClient(ProjectKeyPrefix + projectId);

    public async Task SeedAsync(params IEnumerable<object> rows)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        var seeded = rows.ToList();
        db.AddRange(seeded);
        await using var transaction = await db.Database.BeginTransactionAsync();
        await db.SaveChangesAsync();
        // Rows written around the store are counted in the trace-stats rollups the way the store counts its own.
        await RollupAccounting.AccountAsync(db, [.. seeded.OfType<TraceRecord>().Select(t => (t.ProjectId, t.Id))],
            [.. seeded.OfType<ScoreRecord>().Select(s => (s.ProjectId, s.Id))], CancellationToken.None);
        await transaction.CommitAsync();
    }

    /// <summary>GETs <paramref name="url"/> and parses the body, failing with the body when the status is not 200.</summary>
    public static async Task<JsonNode> GetJsonAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url} answered {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!;
    }

    private sealed class AnyProjectKey : IApiKeyResolver
    {
        public ValueTask<CallerIdentity?> ResolveAsync(string presentedKey, CancellationToken cancellationToken) =>
            ValueTask.FromResult(presentedKey.StartsWith(ProjectKeyPrefix, StringComparison.Ordinal)
                ? CallerIdentity.ForProject(presentedKey[ProjectKeyPrefix.Length..], "key-" + presentedKey[ProjectKeyPrefix.Length..])
                : null);
    }
}
