using System.Collections.Concurrent;
using System.Net;
using LlmOps.Testing;

namespace LlmOps.SystemTests.Faults;

/// <summary>
/// Reliability scenario 3 on every queue the six processes consume (listed from the broker, not from a list of ours that
/// could miss one): malformed JSON, a wrong schema, an unknown message version and an oversized body, put straight on the
/// queue as a misbehaving producer would.
/// </summary>
[Collection(FaultsCollection.Name)]
public class PoisonMessageTests(FaultsFixture fixture, ITestOutputHelper output)
{
    private ServiceProcesses Platform => fixture.Platform;

    [Fact]
    public Task Poison_on_every_consumed_queue_is_moved_aside_the_services_stay_ready_and_good_traffic_flows_end_to_end_afterwards() =>
        Promises.WithTailsAsync(Platform, async () =>
        {
            var vhost = Platform.VirtualHost;
            // The management API's consumer counts trail the broker by a few seconds (its statistics interval), so right after
            // the processes start some queues still show no consumer: read until every service queue does.
            async Task<List<(string Name, int Consumers, bool Temporary)>> ConsumedAsync() =>
                (await TestInfrastructure.ListQueuesAsync(vhost))
                .Where(q => q.Consumers > 0 && !q.Name.EndsWith("_error", StringComparison.Ordinal) && !q.Name.EndsWith("_skipped", StringComparison.Ordinal))
                .OrderBy(q => q.Name, StringComparer.Ordinal).ToList();
            await Eventually.UntilAsync(async () => await ConsumedAsync() is var now && now.Count(q => !q.Temporary) >= 20 ? now : null,
                TimeSpan.FromSeconds(60), "at least 20 service queues with a consumer");
            // One more statistics interval, so a queue whose count was still on its way is in the list too.
            await Task.Delay(TimeSpan.FromSeconds(6));
            var complete = await ConsumedAsync();
            var queues = complete.Select(q => q.Name).ToList();
            // A service queue outlives its consumers; an instance queue (key events every replica must see, the bus's own
            // reply queue) goes with its process, and MassTransit drops what such a queue cannot handle instead of keeping it.
            var instanceQueues = complete.Where(q => q.Temporary).Select(q => q.Name).ToHashSet();

            var sent = new ConcurrentDictionary<string, IReadOnlyList<PoisonMessages.Poison>>();
            await Parallel.ForEachAsync(queues, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (queue, _) =>
            {
                var types = await TestInfrastructure.BoundMessageTypesAsync(vhost, queue);
                // A queue fed by no type exchange (the bus's own reply queue) still gets poison of a type it does not expect.
                var poison = PoisonMessages.For(types.Count > 0 ? types[0] : "LlmOps.Contracts.Inference:InferenceCompleted");
                foreach (var message in poison)
                    await TestInfrastructure.PublishRawAsync(vhost, queue, message.Body);
                sent[queue] = poison;
            });

            // Where each went: read (and so empty) every _error and _skipped queue until every poison message of a service
            // queue is found, and every instance queue is empty again.
            var found = new ConcurrentDictionary<Guid, string>();
            var expected = sent.Where(q => !instanceQueues.Contains(q.Key)).SelectMany(q => q.Value.Select(p => p.MessageId)).ToList();
            try
            {
                await Eventually.TrueAsync(async () =>
                {
                    foreach (var queue in queues)
                        foreach (var aside in new[] { queue + "_error", queue + "_skipped" })
                            foreach (var body in await TestInfrastructure.GetMessagesAsync(vhost, aside, 100))
                                foreach (var poison in sent[queue].Where(p => body.Contains(p.MessageId.ToString(), StringComparison.Ordinal)))
                                    found[poison.MessageId] = aside;
                    if (!expected.All(found.ContainsKey))
                        return false;
                    foreach (var queue in queues)
                        if ((await TestInfrastructure.QueueDepthAsync(vhost, queue) ?? 0) > 0)
                            return false;
                    return true;
                }, TimeSpan.FromSeconds(60), "every poison message of a service queue in its _error or _skipped queue, and every queue empty");
            }
            finally
            {
                foreach (var (queue, poison) in sent.OrderBy(q => q.Key, StringComparer.Ordinal))
                    output.WriteLine($"{queue}{(instanceQueues.Contains(queue) ? " (instance)" : "")}: " + string.Join(", ", poison.Select(p =>
                        $"{p.Kind} → {(found.TryGetValue(p.MessageId, out var where) ? where[queue.Length..] : "dropped")}")));
            }

            // Malformed, wrongly shaped and oversized bodies fail to deserialize: the error queue, with the fault in its
            // headers. A type nobody consumes is not an error but an unexpected message: the skipped queue.
            foreach (var (queue, poison) in sent.Where(q => !instanceQueues.Contains(q.Key)))
                foreach (var message in poison)
                    Assert.Equal(queue + (message.Kind == "unknown version" ? "_skipped" : "_error"), found[message.MessageId]);

            // Nothing fell over, and the real thing still works everywhere.
            Assert.All(Platform.All, s => Assert.False(s.HasExited, $"{s.Name} exited"));
            await Promises.WaitAllHealthyAsync(Platform, TimeSpan.FromSeconds(30));
            var project = "after-poison-" + Guid.NewGuid().ToString("N")[..8];
            var (_, key) = await Platform.CreateProjectWithKeyAsync(project);
            await Platform.WaitForKeyAsync(key);
            await using var traffic = SdkTraffic.Start(Platform, key, project);
            await traffic.WaitForMoreAsync(6, TimeSpan.FromSeconds(60));
            var traceIds = await traffic.StopAsync();
            Assert.Empty(traffic.Failures);
            await Promises.AssertEachTracedAndPricedOnceAsync(Platform, project, key, traceIds, TimeSpan.FromSeconds(60));
            var feedback = await Feedback.SendThumbsAsync(Platform, key, traceIds[0], "after-poison");
            Assert.Equal(HttpStatusCode.Accepted, feedback.StatusCode);
            Assert.Single(await Feedback.HumanScoreIdsAsync(Platform, key, traceIds[0], TimeSpan.FromSeconds(30)));
        });
}
