using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Storage;
using LlmOps.Testing;
using Microsoft.Extensions.Options;

namespace LlmOps.ServiceDefaults.Tests;

public class AdminKeyTests
{
    private static AdminKeyProvider Provider(string dataDirectory, string? configuredKey = null, bool generate = true) =>
        new(Options.Create(new AuthOptions { AdminKey = configuredKey, GenerateAdminKeyIfMissing = generate }),
            Options.Create(new StorageOptions { DataDirectory = dataDirectory }));

    [Fact]
    public void Without_a_configured_key_embedded_mode_generates_one_once_and_keeps_it_owner_only()
    {
        var directory = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N"));

        var first = Provider(directory);
        var generated = first.GeneratedKey;
        var second = Provider(directory);

        Assert.NotNull(generated);
        Assert.StartsWith("llmops-admin-", generated);
        Assert.True(generated.Length >= 40);
        Assert.Null(second.GeneratedKey);
        Assert.True(second.Matches(generated));
        Assert.False(second.Matches(generated + "x"));
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(Path.Combine(directory, AdminKeyProvider.FileName));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        }
    }

    [Fact]
    public void A_configured_key_wins_and_nothing_is_written()
    {
        var directory = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N"));

        var provider = Provider(directory, configuredKey: "configured-admin-key-123");

        Assert.True(provider.Matches("configured-admin-key-123"));
        Assert.Null(provider.GeneratedKey);
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task A_service_without_an_admin_key_refuses_to_start()
    {
        var failure = await Record.ExceptionAsync(() => DefaultsHost.StartAsync(new Dictionary<string, string?> { ["Auth:AdminKey"] = "" }));

        Assert.NotNull(failure);
        Assert.Contains("Auth__AdminKey", failure.ToString());
    }

    [Fact]
    public async Task A_short_admin_key_is_refused_at_start()
    {
        var failure = await Record.ExceptionAsync(() => DefaultsHost.StartAsync(new Dictionary<string, string?> { ["Auth:AdminKey"] = "short" }));

        Assert.NotNull(failure);
        Assert.Contains("at least 16 characters", failure.ToString());
    }

    [Fact]
    public void Key_hashes_are_lower_case_hex_sha256()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", KeyHashing.Sha256Hex("abc"));
    }
}
