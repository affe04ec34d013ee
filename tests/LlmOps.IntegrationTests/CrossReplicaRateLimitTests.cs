using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.InferenceProxy;
using LlmOps.ServiceDefaults;
using LlmOps.Testing;
using Npgsql;

namespace LlmOps.IntegrationTests;

/// <summary>
/// Three gateway replicas against one PostgreSQL, one key limited to N requests per window, concurrent load on all
/// three: the anchors' most reported failure (limits multiplied by the replica count, or bypassed by concurrency).
/// </summary>
public class CrossReplicaRateLimitTests : IAsyncLifetime
{
    private const int Limit = 60;
    private const int Replicas = 3;
    private readonly List<TestHost> _replicas = [];
    private TestHost _simulator = null!;
    private string _database = "";

    public async ValueTask InitializeAsync()
    {
        _database = await TestInfrastructure.CreateDatabaseAsync("ratelimit");
        _simulator = await SimulatorHost.StartAsync();
        for (var i = 0; i < Replicas; i++)
            _replicas.Add(await StartReplicaAsync());
    }

    private Task<TestHost> StartReplicaAsync()
    {
        var settings = TestInfrastructure.PostgresSettings(_database);
        settings["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N"));
        return GatewayHost.StartAsync(settings, _simulator);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
            await replica.DisposeAsync();
        await _simulator.DisposeAsync();
    }

    [Fact]
    public async Task Concurrent_load_on_three_replicas_admits_at_most_the_limit_per_window()
    {
        // Issued through one replica; each replica learns it (the in-memory bus does not cross processes, so through
        // the key snapshot a replica loads from the shared database at start: restart two of them).
        using (var admin = _replicas[0].CreateClient())
        {
            await admin.PostAsJsonAsync("/api/projects", new { id = "limited", name = "limited" });
            var issued = await admin.PostAsJsonAsync("/api/keys", new { projectId = "limited", name = "k", requestsPerMinute = Limit });
            _key = JsonNode.Parse(await issued.Content.ReadAsStringAsync())!["key"]!.GetValue<string>();
        }
        for (var i = 1; i < Replicas; i++)
        {
            await _replicas[i].DisposeAsync();
            _replicas[i] = await StartReplicaAsync();
        }

        var windows = new ConcurrentBag<long>();
        var statuses = new ConcurrentBag<HttpStatusCode>();
        var clients = _replicas.Select(r => r.CreateClient(_key)).ToList();
        await Parallel.ForEachAsync(Enumerable.Range(0, 180), new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (i, token) =>
        {
            windows.Add(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60);
            var response = await clients[i % Replicas].PostAsync("/v1/chat/completions",
                new StringContent("""{"model":"sim-small","messages":[{"role":"user","content":"burst"}]}""", System.Text.Encoding.UTF8, "application/json"), token);
            statuses.Add(response.StatusCode);
            windows.Add(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60);
        });

        var admitted = statuses.Count(s => s == HttpStatusCode.OK);
        var windowsTouched = windows.Distinct().Count();
        Assert.Equal(180, statuses.Count(s => s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests));
        Assert.True(admitted <= Limit * windowsTouched, $"{admitted} admitted over {windowsTouched} window(s) with a limit of {Limit}");
        if (windowsTouched == 1)
        {
            // The documented slack: slices leased but not spent, at most one per replica (6 = 10 % of 60).
            Assert.True(admitted >= Limit - Replicas * 6, $"only {admitted} admitted of {Limit}");
        }

        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select max(granted) from inference_proxy.rate_limit_leases where scope like 'key:%'", connection);
        Assert.True((long)(await command.ExecuteScalarAsync())! <= Limit);
        foreach (var client in clients)
            client.Dispose();
    }

    private string _key = "";
}
