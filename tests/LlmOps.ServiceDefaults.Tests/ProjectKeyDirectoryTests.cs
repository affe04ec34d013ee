using LlmOps.Contracts.Access;
using LlmOps.ServiceDefaults.Auth;

namespace LlmOps.ServiceDefaults.Tests;

public class ProjectKeyDirectoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static ApiKeyIssued Key(string id, string secret, DateTimeOffset issuedAt, string project = "p1", DateTimeOffset? expiresAt = null) => new()
    {
        KeyId = id,
        ProjectId = project,
        Name = id,
        Prefix = secret[..4],
        KeyHash = KeyHashing.Sha256Hex(secret),
        IssuedAt = issuedAt,
        ExpiresAt = expiresAt,
    };

    private static async Task<string?> ProjectOf(ProjectKeyDirectory directory, string secret) =>
        (await directory.ResolveAsync(secret, CancellationToken.None))?.ProjectId;

    [Fact]
    public async Task An_issued_key_resolves_to_its_project_and_a_revoked_one_does_not()
    {
        var directory = new ProjectKeyDirectory(new FixedClock(T0));
        directory.Apply(Key("k1", "secret-one", T0));

        Assert.Equal("p1", await ProjectOf(directory, "secret-one"));
        Assert.Null(await ProjectOf(directory, "secret-two"));

        directory.Apply(new ApiKeyRevoked { KeyId = "k1", ProjectId = "p1", RevokedAt = T0 });
        Assert.Null(await ProjectOf(directory, "secret-one"));
    }

    [Fact]
    public async Task A_late_issue_event_never_resurrects_a_revoked_key()
    {
        var directory = new ProjectKeyDirectory(new FixedClock(T0));
        directory.Apply(new ApiKeyRevoked { KeyId = "k1", ProjectId = "p1", RevokedAt = T0 });

        directory.Apply(Key("k1", "secret-one", T0.AddSeconds(-5)));

        Assert.Null(await ProjectOf(directory, "secret-one"));
    }

    [Fact]
    public async Task A_snapshot_drops_keys_revoked_while_we_were_not_listening_but_keeps_keys_issued_after_it_was_taken()
    {
        var directory = new ProjectKeyDirectory(new FixedClock(T0.AddMinutes(10)));
        directory.Apply(Key("old", "secret-old", T0));
        directory.Apply(Key("new", "secret-new", T0.AddMinutes(6)));

        directory.Apply(new ApiKeySnapshot { ActiveKeys = [Key("other", "secret-other", T0)], TakenAt = T0.AddMinutes(5) });

        Assert.Null(await ProjectOf(directory, "secret-old"));
        Assert.Equal("p1", await ProjectOf(directory, "secret-new"));
        Assert.Equal("p1", await ProjectOf(directory, "secret-other"));
        Assert.NotNull(directory.SnapshotAppliedAt);
    }

    [Fact]
    public async Task Revocations_listed_in_a_snapshot_stick()
    {
        var directory = new ProjectKeyDirectory(new FixedClock(T0));

        directory.Apply(new ApiKeySnapshot { RevokedKeyIds = ["k1"], TakenAt = T0 });
        directory.Apply(Key("k1", "secret-one", T0.AddMinutes(1)));

        Assert.Null(await ProjectOf(directory, "secret-one"));
    }

    [Fact]
    public async Task An_expired_key_stops_resolving_when_its_time_comes()
    {
        var clock = new FixedClock(T0);
        var directory = new ProjectKeyDirectory(clock);
        directory.Apply(Key("k1", "secret-one", T0, expiresAt: T0.AddMinutes(1)));

        Assert.Equal("p1", await ProjectOf(directory, "secret-one"));
        clock.Now = T0.AddMinutes(1);
        Assert.Null(await ProjectOf(directory, "secret-one"));
    }
}
