using System.Net;
using System.Text.Json.Nodes;
using LlmOps.ServiceDefaults.Storage;
using LlmOps.Testing;
using LlmOps.TraceCollector;

namespace LlmOps.ServiceDefaults.Tests;

public class StorageTests
{
    [Fact]
    public async Task A_service_database_on_sqlite_is_one_file_per_service_migrated_at_start_and_part_of_readiness()
    {
        var directory = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N"));
        await using var host = await DefaultsHost.StartAsync(
            new Dictionary<string, string?> { ["Storage:DataDirectory"] = directory },
            builder => builder.AddTraceCollector());
        using var client = host.CreateClient(bearerKey: null);

        // The bus's receive endpoints report ready a moment after the host has started.
        var ready = await Eventually.UntilAsync(async () =>
        {
            var response = await client.GetAsync("/health/ready");
            return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
        }, TimeSpan.FromSeconds(30), "readiness");

        Assert.True(File.Exists(Path.Combine(directory, "trace-collector.db")));
        Assert.Contains(ready["checks"]!.AsArray(), c => c!["name"]!.GetValue<string>() == "trace-collector-database"
            && c["status"]!.GetValue<string>() == "Healthy");
    }

    [Fact]
    public async Task Postgres_without_a_connection_string_is_refused_at_start_with_the_variable_to_set()
    {
        var failure = await Record.ExceptionAsync(() => DefaultsHost.StartAsync(new Dictionary<string, string?> { ["Storage:Provider"] = "Postgres" }));

        Assert.NotNull(failure);
        Assert.Contains("Storage__ConnectionString", failure.ToString());
    }

    [Fact]
    public void Schema_names_are_the_service_name_without_dashes()
    {
        Assert.Equal("trace_collector", StorageExtensions.SchemaName("trace-collector"));
    }
}
