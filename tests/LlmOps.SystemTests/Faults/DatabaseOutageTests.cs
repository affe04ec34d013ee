using System.Diagnostics;
using LlmOps.Testing;

namespace LlmOps.SystemTests.Faults;

/// <summary>
/// Reliability scenario 5 on the six processes: the database goes away from the two consumers of every inference (their
/// PostgreSQL gates cut; the shared server stays up) under load, for longer than the consumers' short retries last.
/// </summary>
[Collection(FaultsCollection.Name)]
public class DatabaseOutageTests(FaultsFixture fixture, ITestOutputHelper output)
{
    private static readonly string[] Consumers = [ServiceProcesses.TraceCollector, ServiceProcesses.CostAccountant];
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);

    private ServiceProcesses Platform => fixture.Platform;

    [Fact]
    public Task Database_cut_from_the_consumers_under_load_is_reported_by_readiness_and_after_it_returns_nothing_is_lost_or_counted_twice() =>
        Promises.WithTailsAsync(Platform, async () =>
        {
            var project = "db-outage-" + Guid.NewGuid().ToString("N")[..8];
            var (_, key) = await Platform.CreateProjectWithKeyAsync(project);
            await Platform.WaitForKeyAsync(key);

            await using var traffic = SdkTraffic.Start(Platform, key, project);
            await traffic.WaitForMoreAsync(8, TimeSpan.FromSeconds(60));
            var clock = Stopwatch.StartNew();
            try
            {
                foreach (var name in Consumers)
                    Platform.DatabaseGate(name).Cut();
                foreach (var name in Consumers)
                    output.WriteLine($"{name} during the outage: "
                        + await Promises.WaitReadinessAsync(Platform[name], healthy: false, TimeSpan.FromSeconds(30)));
                await traffic.WaitForMoreAsync(10, TimeSpan.FromSeconds(60));
                if (clock.Elapsed < Outage)
                    await Task.Delay(Outage - clock.Elapsed);
            }
            finally
            {
                foreach (var name in Consumers)
                    Platform.DatabaseGate(name).Restore();
            }
            output.WriteLine($"database away for {clock.Elapsed.TotalSeconds:0.0} s");

            await Promises.WaitAllHealthyAsync(Platform, TimeSpan.FromSeconds(60));
            await traffic.WaitForMoreAsync(6, TimeSpan.FromSeconds(60));
            var traceIds = await traffic.StopAsync();
            Assert.Empty(traffic.Failures);
            await Promises.AssertEachTracedAndPricedOnceAsync(Platform, project, key, traceIds, TimeSpan.FromSeconds(90));
        });
}
