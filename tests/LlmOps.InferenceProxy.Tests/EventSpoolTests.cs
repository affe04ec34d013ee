using System.Diagnostics;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy.Features.Events;

namespace LlmOps.InferenceProxy.Tests;

public class EventSpoolTests
{
    private static string NewDirectory() => Path.Combine(Path.GetTempPath(), "llmops-tests", "spool-" + Guid.NewGuid().ToString("N"));

    private static InferenceCompleted Event(int n) => new()
    {
        InferenceId = Guid.CreateVersion7(),
        ProjectId = "p",
        TraceId = ActivityTraceId.CreateRandom().ToHexString(),
        SpanId = ActivitySpanId.CreateRandom().ToHexString(),
        RequestedModel = $"model-{n}",
        StartedAt = DateTimeOffset.UtcNow,
        CompletedAt = DateTimeOffset.UtcNow,
        Status = InferenceStatuses.Success,
        Usage = new TokenUsage { InputTokens = n },
    };

    private static List<string> DrainModels(EventSpool spool, int batchSize)
    {
        var models = new List<string>();
        while (spool.Read(batchSize) is { } batch)
        {
            models.AddRange(batch.Events.Select(e => e.RequestedModel));
            spool.Commit(batch);
        }
        return models;
    }

    [Fact]
    public void Events_come_back_in_the_order_they_were_spooled_and_replayed_segments_are_deleted()
    {
        var directory = NewDirectory();
        var spool = new EventSpool(directory, maxBytes: 100 * 1024 * 1024, segmentBytes: 1024);
        for (var i = 0; i < 40; i += 4)
            spool.Append([Event(i), Event(i + 1), Event(i + 2), Event(i + 3)]);
        Assert.True(Directory.GetFiles(directory, "*.jsonl").Length > 3, "small segments should rotate");
        Assert.Equal(40, spool.PendingEvents);

        var models = DrainModels(spool, batchSize: 7);

        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"model-{i}"), models);
        Assert.True(spool.IsEmpty);
        Assert.Empty(Directory.GetFiles(directory, "*.jsonl"));
    }

    [Fact]
    public void A_restarted_process_replays_what_the_last_one_left_from_its_checkpoint_on()
    {
        var directory = NewDirectory();
        var first = new EventSpool(directory, 100 * 1024 * 1024);
        first.Append([Event(1), Event(2), Event(3), Event(4)]);
        var batch = first.Read(2)!;
        first.Commit(batch);

        var second = new EventSpool(directory, 100 * 1024 * 1024);

        Assert.Equal(2, second.PendingEvents);
        Assert.Equal(["model-3", "model-4"], DrainModels(second, 10));
    }

    [Fact]
    public void An_uncommitted_batch_is_read_again()
    {
        var spool = new EventSpool(NewDirectory(), 100 * 1024 * 1024);
        spool.Append([Event(1), Event(2)]);

        var first = spool.Read(10)!;
        var again = spool.Read(10)!;

        Assert.Equal(first.Events.Select(e => e.InferenceId), again.Events.Select(e => e.InferenceId));
    }

    [Fact]
    public void Lines_torn_by_a_crash_are_counted_and_skipped_and_the_rest_is_replayed()
    {
        var directory = NewDirectory();
        var spool = new EventSpool(directory, 100 * 1024 * 1024);
        spool.Append([Event(1)]);
        var segment = Directory.GetFiles(directory, "*.jsonl").Single();
        File.AppendAllText(segment, "{\"inferenceId\": \"torn\n");
        spool = new EventSpool(directory, 100 * 1024 * 1024);
        spool.Append([Event(2)]);
        File.AppendAllText(segment, "{\"half\": ");

        var models = new List<string>();
        var unreadable = 0;
        while (spool.Read(10) is { } batch)
        {
            models.AddRange(batch.Events.Select(e => e.RequestedModel));
            unreadable += batch.Unreadable;
            spool.Commit(batch);
        }

        Assert.Equal(["model-1", "model-2"], models);
        Assert.Equal(2, unreadable);
        Assert.True(spool.IsEmpty);
    }

    [Fact]
    public void Beyond_its_size_bound_the_spool_refuses_and_says_how_many()
    {
        var spool = new EventSpool(NewDirectory(), maxBytes: 1500);

        var lost = spool.Append(Enumerable.Range(0, 10).Select(Event).ToList());

        Assert.InRange(lost, 1, 9);
        Assert.Equal(10 - lost, spool.PendingEvents);
    }
}
