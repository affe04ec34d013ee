using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Testing;
using OpenAI.Chat;

namespace LlmOps.SystemTests.Faults;

/// <summary>
/// Reliability scenarios 2 and 4 together on the six processes: the broker is cut away from the gateway, which keeps
/// answering and spools its events on disk; the gateway is then killed with SIGKILL and started again while the broker is
/// still away, and serves on. Once the broker returns, every request that was answered 200, before the kill or after it,
/// has its trace and its cost, once. And the loss window at the start of an outage: killed one second after the cut, the
/// gateway has already spooled what it answered in that second (it spools ahead once a confirm is SpoolAfter late).
/// </summary>
[Collection(FaultsCollection.Name)]
public class GatewayRestartTests(FaultsFixture fixture, ITestOutputHelper output)
{
    private ServiceProcesses Platform => fixture.Platform;

    [Fact]
    public Task Gateway_killed_and_restarted_during_a_broker_outage_loses_no_answered_request_and_each_is_traced_and_priced_once() =>
        Promises.WithTailsAsync(Platform, async () =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            void Phase(string what) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0.0} s] {what}");
            var project = "gateway-restart-" + Guid.NewGuid().ToString("N")[..8];
            var (_, key) = await Platform.CreateProjectWithKeyAsync(project);
            await Platform.WaitForKeyAsync(key);
            var gate = Platform.BrokerGate(ServiceProcesses.InferenceProxy);
            var traceIds = new List<string>();

            await SendAsync(key, project, "before", 3, traceIds);
            try
            {
                gate.Cut();
                Phase("broker cut from the gateway");
                await SendAsync(key, project, "outage", 12, traceIds);
                // The gateway answers before its event is safe (requests never wait for the broker or the disk): an event
                // reaches the spool once the broker has not confirmed it within SpoolAfter (200 ms), and from then on
                // within milliseconds. The kill comes once the answered requests are in the spool's files.
                var outage = traceIds.Skip(3).ToList();
                await Eventually.TrueAsync(() => Task.FromResult(outage.All(SpooledTraceIds().Contains)), TimeSpan.FromSeconds(30),
                    $"the {outage.Count} answered requests' events in the gateway's spool");
                Phase($"{outage.Count} events in the spool");
                await Platform[ServiceProcesses.InferenceProxy].KillAsync();
                Phase($"gateway killed after {traceIds.Count} answers");

                // Started again with the broker still away: it is alive (not ready) and serves from its key snapshot.
                await Platform.RestartAsync(ServiceProcesses.InferenceProxy, TimeSpan.FromSeconds(120), untilReady: false);
                await WaitForKeyAsync(key);
                Phase("gateway restarted, serving, broker still cut");
                await SendAsync(key, project, "restarted", 8, traceIds);
            }
            finally
            {
                gate.Restore();
            }
            Phase("broker restored");

            await Promises.WaitAllHealthyAsync(Platform, TimeSpan.FromSeconds(90));
            Phase("every service Healthy");
            await SendAsync(key, project, "after", 3, traceIds);
            await Promises.AssertEachTracedAndPricedOnceAsync(Platform, project, key, traceIds, TimeSpan.FromSeconds(90));
            Phase($"all {traceIds.Count} requests traced and priced once");
        });

    [Fact]
    public Task Gateway_killed_one_second_into_a_broker_outage_loses_none_of_the_requests_answered_in_that_second() =>
        Promises.WithTailsAsync(Platform, async () =>
        {
            var project = "gateway-early-kill-" + Guid.NewGuid().ToString("N")[..8];
            var (_, key) = await Platform.CreateProjectWithKeyAsync(project);
            await Platform.WaitForKeyAsync(key);
            var gate = Platform.BrokerGate(ServiceProcesses.InferenceProxy);
            var traceIds = new List<string>();

            await SendAsync(key, project, "before", 2, traceIds);
            TimeSpan killedAt;
            try
            {
                gate.Cut();
                var sinceCut = System.Diagnostics.Stopwatch.StartNew();
                // Answers for the first 0.6 s, then the kill at 1 s: every answer is at least SpoolAfter (200 ms) plus
                // an fsync old when the gateway dies, and all of it is inside the 2 s an event used to wait in memory
                // for PublishTimeout (then a kill lost all of them). No waiting for the spool files here: that is the point.
                await SendAsync(key, project, "outage", 200, traceIds, within: TimeSpan.FromMilliseconds(600));
                var answered = traceIds.Count - 2;
                if (sinceCut.Elapsed < TimeSpan.FromSeconds(1))
                    await Task.Delay(TimeSpan.FromSeconds(1) - sinceCut.Elapsed);
                killedAt = sinceCut.Elapsed;
                await Platform[ServiceProcesses.InferenceProxy].KillAsync();
                output.WriteLine($"{answered} requests answered in the first 0.6 s of the outage; gateway SIGKILLed {killedAt.TotalMilliseconds:0} ms after the cut");
                // Which way the killed gateway went to its spool (a late confirm, or the bus reporting the broker gone).
                foreach (var line in Platform[ServiceProcesses.InferenceProxy].Tail(400).Split('\n').Where(l => l.Contains("spooling", StringComparison.Ordinal)))
                    output.WriteLine(line);
            }
            finally
            {
                gate.Restore();
            }
            Assert.True(killedAt < TimeSpan.FromSeconds(2), $"the kill came {killedAt.TotalSeconds:0.0} s after the cut, outside the window this test is about");
            Assert.True(traceIds.Count > 2, "no request was answered during the outage");

            // Started again with the broker back: it replays its spool; the consumers see each event at least once
            // and count it once.
            await Platform.RestartAsync(ServiceProcesses.InferenceProxy, TimeSpan.FromSeconds(120));
            await Promises.WaitAllHealthyAsync(Platform, TimeSpan.FromSeconds(90));
            await SendAsync(key, project, "after", 2, traceIds);
            await Promises.AssertEachTracedAndPricedOnceAsync(Platform, project, key, traceIds, TimeSpan.FromSeconds(90));
        });

    /// <summary>
    /// Sends <paramref name="count"/> requests one after another (or fewer: none starts once <paramref name="within"/> has
    /// passed), plain and streamed in turn; keeps each answer's trace id.
    /// </summary>
    private async Task SendAsync(string key, string project, string phase, int count, List<string> traceIds, TimeSpan? within = null)
    {
        var headers = new GatewayHeaders();
        var chat = headers.ChatClient(Platform[ServiceProcesses.InferenceProxy].BaseAddress, key, "sim-small", TimeSpan.FromSeconds(30));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < count && (within is null || clock.Elapsed < within); i++)
        {
            headers.Answers.Clear();
            var question = new UserChatMessage($"{project} {phase} request {i} [[sim:tokens={5 + i % 7}]]");
            if (i % 2 == 0)
                await chat.CompleteChatAsync([question]);
            else
                await foreach (var _ in chat.CompleteChatStreamingAsync([question]))
                {
                }
            Assert.True(headers.Answers.TryPeek(out var served), $"{phase} request {i}: no x-llmops-trace-id header");
            traceIds.Add(served.TraceId);
        }
    }

    /// <summary>
    /// The trace ids of the events in the gateway's spool files (<c>&lt;data&gt;/spool/inference-proxy/spool-*.jsonl</c>, one
    /// InferenceCompleted per line), replayed or not; a line being written is skipped.
    /// </summary>
    private HashSet<string> SpooledTraceIds()
    {
        var directory = Path.Combine(Platform.DataDirectory, ServiceProcesses.InferenceProxy, "spool", ServiceProcesses.InferenceProxy);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(directory))
            return ids;
        foreach (var file in Directory.EnumerateFiles(directory, "spool-*.jsonl"))
        {
            if (!File.Exists(file))
                continue; // replayed and deleted meanwhile
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                try
                {
                    if (JsonNode.Parse(line)?["traceId"]?.GetValue<string>() is { } traceId)
                        ids.Add(traceId);
                }
                catch (JsonException)
                {
                    // a line still being written
                }
            }
        }
        return ids;
    }

    /// <summary>Waits until the (restarted) gateway has its key snapshot: an unknown /api route is 404 with a valid key, 401 before.</summary>
    private async Task WaitForKeyAsync(string key)
    {
        using var client = Platform[ServiceProcesses.InferenceProxy].CreateClient(key);
        await Eventually.TrueAsync(async () => (await client.GetAsync("/api/no-such-route")).StatusCode != HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(60), "the restarted gateway to accept the key");
    }
}
