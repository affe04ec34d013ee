using System.Net;
using System.Text.Json.Nodes;
using LlmOps.Testing;

namespace LlmOps.SystemTests.Faults;

/// <summary>
/// Reliability scenarios 1 and 4 on the six processes: the broker goes away from every service at once (their gates cut;
/// the shared RabbitMQ stays up) while an application keeps calling the gateway with the OpenAI SDK.
/// </summary>
[Collection(FaultsCollection.Name)]
public class BrokerOutageTests(FaultsFixture fixture, ITestOutputHelper output)
{
    private ServiceProcesses Platform => fixture.Platform;

    [Fact]
    public Task Broker_cut_from_every_service_mid_traffic_keeps_sdk_requests_succeeding_and_after_it_returns_each_is_traced_and_priced_once() =>
        Promises.WithTailsAsync(Platform, async () =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            void Phase(string what) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0.0} s] {what}");
            var project = "outage-" + Guid.NewGuid().ToString("N")[..8];
            var (_, key) = await Platform.CreateProjectWithKeyAsync(project);
            await Platform.WaitForKeyAsync(key);

            await using var traffic = SdkTraffic.Start(Platform, key, project);
            await traffic.WaitForMoreAsync(6, TimeSpan.FromSeconds(60));
            var tracedBefore = traffic.TraceIds[0];
            int duringBefore, duringAfter;
            HttpResponseMessage feedbackDuring;
            try
            {
                foreach (var name in ServiceProcesses.Names)
                    Platform.BrokerGate(name).Cut();
                duringBefore = traffic.Succeeded;
                Phase("broker cut");

                // Every service says so on its readiness probe.
                var readiness = await Task.WhenAll(Platform.All.Select(s => Promises.WaitReadinessAsync(s, healthy: false, TimeSpan.FromSeconds(45))));
                foreach (var (service, answer) in Platform.All.Zip(readiness))
                    output.WriteLine($"{service.Name} during the outage: {answer}");

                Phase("every service not Healthy");
                // The gateway keeps answering: its events wait in its spool.
                await traffic.WaitForMoreAsync(12, TimeSpan.FromSeconds(60));

                // Feedback-ingest cannot have the broker confirm: it must not claim it did.
                feedbackDuring = await Feedback.SendThumbsAsync(Platform, key, tracedBefore, "outage-thumbs-" + project);
                output.WriteLine($"POST /api/feedback during the outage: {(int)feedbackDuring.StatusCode} {await feedbackDuring.Content.ReadAsStringAsync()}");
                duringAfter = traffic.Succeeded;
            }
            finally
            {
                foreach (var name in ServiceProcesses.Names)
                    Platform.BrokerGate(name).Restore();
            }
            Phase("broker restored");

            Assert.True(feedbackDuring.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.Accepted,
                $"feedback during the outage answered {(int)feedbackDuring.StatusCode}");
            if (feedbackDuring.StatusCode == HttpStatusCode.ServiceUnavailable)
                Assert.True(feedbackDuring.Headers.RetryAfter is not null, "a 503 without Retry-After");

            await Promises.WaitAllHealthyAsync(Platform, TimeSpan.FromSeconds(60));
            Phase("every service Healthy");
            await traffic.WaitForMoreAsync(4, TimeSpan.FromSeconds(60));
            var traceIds = await traffic.StopAsync();
            Assert.Empty(traffic.Failures);
            var latencies = traffic.Latencies.Order().ToList();
            output.WriteLine($"{traceIds.Count} requests, {duringAfter - duringBefore} while the broker was away; latency p50 "
                + $"{latencies[latencies.Count / 2].TotalMilliseconds:0} ms, max {latencies[^1].TotalMilliseconds:0} ms");

            await Promises.AssertEachTracedAndPricedOnceAsync(Platform, project, key, traceIds, TimeSpan.FromSeconds(90));
            Phase("every request traced and priced once");

            // The caller told 503 resends with the same idempotency key; either way the feedback counts exactly once.
            var resent = await Feedback.SendThumbsAsync(Platform, key, tracedBefore, "outage-thumbs-" + project);
            Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
            var feedbackId = JsonNode.Parse(await resent.Content.ReadAsStringAsync())!["ids"]![0]!.GetValue<Guid>();
            var scores = await Feedback.HumanScoreIdsAsync(Platform, key, tracedBefore, TimeSpan.FromSeconds(60));
            Assert.Equal([feedbackId], scores.Select(Guid.Parse));
        });
}
