using System.Collections.Concurrent;
using System.Data.Common;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmOps.ServiceDefaults.Tests;

public sealed record StoragePinged(Guid Id);

/// <summary>What a provider throws while its server is away (Npgsql sets <see cref="DbException.IsTransient"/> for it).</summary>
public sealed class FakeDbException(bool transient) : DbException(transient ? "connection refused" : "syntax error")
{
    public override bool IsTransient => transient;
}

/// <summary>Fails the first <see cref="Failures"/> deliveries of each message with <see cref="Throw"/>, then succeeds.</summary>
public sealed class FlakyStorage
{
    public ConcurrentDictionary<Guid, int> Attempts { get; } = new();
    public ConcurrentBag<Guid> Stored { get; } = [];
    public ConcurrentBag<Guid> Faulted { get; } = [];
    public int Failures { get; init; }
    public required Func<Exception> Throw { get; init; }
}

public sealed class StoragePingedConsumer(FlakyStorage storage) : IConsumer<StoragePinged>, IConsumer<Fault<StoragePinged>>
{
    public Task Consume(ConsumeContext<StoragePinged> context)
    {
        if (storage.Attempts.AddOrUpdate(context.Message.Id, 1, (_, n) => n + 1) <= storage.Failures)
            throw storage.Throw();
        storage.Stored.Add(context.Message.Id);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<Fault<StoragePinged>> context)
    {
        storage.Faulted.Add(context.Message.Message.Id);
        return Task.CompletedTask;
    }
}

public class StorageOutageRetryTests
{
    [Fact]
    public void A_transient_database_failure_is_an_outage_however_deeply_it_is_wrapped()
    {
        Assert.True(StorageOutageRetry.IsStorageOutage(new FakeDbException(transient: true)));
        Assert.True(StorageOutageRetry.IsStorageOutage(new InvalidOperationException("saving failed", new FakeDbException(transient: true))));
        Assert.True(StorageOutageRetry.IsStorageOutage(new AggregateException(new TimeoutException(), new FakeDbException(transient: true))));
    }

    [Fact]
    public void A_permanent_database_error_or_any_other_exception_is_not_an_outage()
    {
        Assert.False(StorageOutageRetry.IsStorageOutage(new FakeDbException(transient: false)));
        Assert.False(StorageOutageRetry.IsStorageOutage(new InvalidOperationException("bad message", new FormatException())));
    }

    private static Task<TestHost> StartAsync(FlakyStorage storage) => DefaultsHost.StartAsync(new Dictionary<string, string?>
    {
        ["Messaging:RetryIntervalsMs:0"] = "10",
        ["Messaging:StorageRetryIntervalsMs:0"] = "10",
        ["Messaging:StorageRetryIntervalsMs:1"] = "10",
        ["Messaging:StorageRetryIntervalsMs:2"] = "10",
        ["Messaging:StorageRetryIntervalsMs:3"] = "10",
        ["Messaging:StorageRetryIntervalsMs:4"] = "10",
        ["Messaging:StorageRetryIntervalsMs:5"] = "10",
    }, builder =>
    {
        builder.Services.AddSingleton(storage);
        builder.AddServiceConsumer<StoragePingedConsumer>("storage-test");
    });

    [Fact]
    public void Unset_storage_retries_default_to_minutes_and_configured_ones_replace_them()
    {
        Assert.True(TimeSpan.FromMilliseconds(new MessagingOptions().EffectiveStorageRetryIntervalsMs.Sum()) > TimeSpan.FromMinutes(2));
        Assert.Equal([10, 20], new MessagingOptions { StorageRetryIntervalsMs = [10, 20] }.EffectiveStorageRetryIntervalsMs);
    }

    [Fact]
    public async Task A_message_whose_database_is_away_for_longer_than_the_short_retries_is_stored_when_it_returns_not_faulted()
    {
        // Five failures: more than the one short retry allows, fewer than the six storage retries.
        var storage = new FlakyStorage { Failures = 5, Throw = () => new InvalidOperationException("saving failed", new FakeDbException(transient: true)) };
        await using var host = await StartAsync(storage);
        var id = Guid.NewGuid();

        await host.Services.GetRequiredService<BoundedPublisher>().PublishAsync(new StoragePinged(id), CancellationToken.None);

        await Eventually.TrueAsync(() => Task.FromResult(storage.Stored.Contains(id) || storage.Faulted.Contains(id)), TimeSpan.FromSeconds(20),
            "the message to be stored or faulted");
        Assert.Contains(id, storage.Stored);
        Assert.DoesNotContain(id, storage.Faulted);
        Assert.Equal(6, storage.Attempts[id]);
    }

    [Fact]
    public async Task A_message_that_fails_for_any_other_reason_gets_only_the_short_retries_before_it_faults()
    {
        var storage = new FlakyStorage { Failures = int.MaxValue, Throw = () => new FormatException("not a valid message") };
        await using var host = await StartAsync(storage);
        var id = Guid.NewGuid();

        await host.Services.GetRequiredService<BoundedPublisher>().PublishAsync(new StoragePinged(id), CancellationToken.None);

        await Eventually.TrueAsync(() => Task.FromResult(storage.Faulted.Contains(id)), TimeSpan.FromSeconds(20), "the message to fault");
        var shortRetries = host.Services.GetRequiredService<IOptions<MessagingOptions>>().Value.EffectiveRetryIntervalsMs.Length;
        Assert.Equal(1 + shortRetries, storage.Attempts[id]);
        Assert.True(shortRetries < 6, "the short retries alone would have covered the storage retries");
    }
}
