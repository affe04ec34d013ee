using LlmOps.Testing;

namespace LlmOps.SystemTests.Faults;

/// <summary>
/// Reliability scenario 2 on the six processes: the two services that consume every inference are killed with SIGKILL in
/// the middle of traffic — batches half collected, acks not sent — and started again, as a pod's controller would.
/// </summary>
[Collection(FaultsCollection.Name)]
public class ConsumerKillTests(FaultsFixture fixture, ITestOutputHelper output)
{
    private ServiceProcesses Platform => fixture.Platform;

    [Fact]
    public Task Trace_collector_and_cost_accountant_killed_mid_traffic_and_restarted_leave_each_inference_with_one_trace_and_one_cost() =>
        Promises.WithTailsAsync(Platform, async () =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            void Phase(string what) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0.0} s] {what}");
            var project = "sigkill-" + Guid.NewGuid().ToString("N")[..8];
            var (_, key) = await Platform.CreateProjectWithKeyAsync(project);
            await Platform.WaitForKeyAsync(key);

            await using var traffic = SdkTraffic.Start(Platform, key, project);
            await traffic.WaitForMoreAsync(8, TimeSpan.FromSeconds(60));
            await Task.WhenAll(Platform[ServiceProcesses.TraceCollector].KillAsync(), Platform[ServiceProcesses.CostAccountant].KillAsync());
            var killedAt = traffic.Succeeded;
            Phase("trace-collector and cost-accountant killed");

            // The gateway does not need them to answer; their events wait on their queues.
            await traffic.WaitForMoreAsync(10, TimeSpan.FromSeconds(60));
            // As long as the first start may take: on a busy two-core machine a .NET service can need most of a minute.
            await Task.WhenAll(Platform.RestartAsync(ServiceProcesses.TraceCollector, TimeSpan.FromSeconds(120)),
                Platform.RestartAsync(ServiceProcesses.CostAccountant, TimeSpan.FromSeconds(120)));
            Phase($"restarted and ready; {traffic.Succeeded - killedAt} requests answered meanwhile");

            await traffic.WaitForMoreAsync(6, TimeSpan.FromSeconds(60));
            var traceIds = await traffic.StopAsync();
            Assert.Empty(traffic.Failures);
            await Promises.AssertEachTracedAndPricedOnceAsync(Platform, project, key, traceIds, TimeSpan.FromSeconds(90));
            Phase($"all {traceIds.Count} requests traced and priced once");
            await Promises.WaitAllHealthyAsync(Platform, TimeSpan.FromSeconds(30));
        });
}
