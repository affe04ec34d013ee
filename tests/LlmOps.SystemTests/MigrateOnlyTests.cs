using System.Diagnostics;
using LlmOps.Testing;
using Microsoft.Data.Sqlite;

namespace LlmOps.SystemTests;

/// <summary>What the Helm chart's migration Job runs: <c>--Storage:MigrateOnly=true</c> migrates every database and exits.</summary>
public class MigrateOnlyTests
{
    [Fact]
    public async Task MigrateOnly_migrates_every_database_and_exits_zero_without_serving()
    {
        var directory = Path.Combine(Path.GetTempPath(), "llmops-tests", "migrate-only-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(PlatformProcess.PlatformDll());
        start.ArgumentList.Add("--Storage:MigrateOnly=true");
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:1"); // would fail to bind if it tried to serve
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        // Generous: it runs beside the six-process collections, and on a saturated machine 90 s was seen to be too little
        // (alone it takes ~9 s). A correctness test, not a timing one; a process that never exits is killed.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"still running after 5 minutes: {await output} {await errors}");
        }

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await output} {await errors}");
        Assert.Contains("migrated; exiting", await output);
        var databases = Directory.GetFiles(Path.Combine(directory, "data"), "*.db").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["alerting.db", "cost-accountant.db", "evaluator.db", "feedback-ingest.db", "inference-proxy.db", "trace-collector.db"], databases);
        foreach (var database in Directory.GetFiles(Path.Combine(directory, "data"), "*.db"))
        {
            await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "select count(*) from __ef_migrations_history";
            Assert.True((long)(await command.ExecuteScalarAsync())! >= 1, database);
        }
    }
}
