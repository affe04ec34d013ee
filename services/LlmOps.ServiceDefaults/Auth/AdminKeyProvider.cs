using System.Security.Cryptography;
using System.Text;
using LlmOps.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;

namespace LlmOps.ServiceDefaults.Auth;

/// <summary>
/// Holds the admin key's hash (never the key beyond start-up). The key comes from <c>Auth:AdminKey</c>; in embedded
/// mode without one, it is generated once and kept in the data directory with owner-only permissions.
/// </summary>
public sealed class AdminKeyProvider
{
    public const string FileName = "admin-key";

    private readonly byte[] _hash;

    public AdminKeyProvider(IOptions<AuthOptions> auth, IOptions<StorageOptions> storage)
    {
        var configured = auth.Value.AdminKey?.Trim();
        if (!string.IsNullOrEmpty(configured))
        {
            _hash = SHA256.HashData(Encoding.UTF8.GetBytes(configured));
            Source = "configuration";
            return;
        }

        if (!auth.Value.GenerateAdminKeyIfMissing)
            throw new InvalidOperationException("No admin key: set Auth__AdminKey (at least 16 characters).");

        var directory = storage.Value.DataDirectoryFullPath;
        KeyFilePath = Path.Combine(directory, FileName);
        string key;
        if (File.Exists(KeyFilePath))
        {
            key = File.ReadAllText(KeyFilePath).Trim();
            Source = KeyFilePath;
        }
        else
        {
            Directory.CreateDirectory(directory);
            key = KeyHashing.NewKey("llmops-admin-");
            WriteOwnerOnly(KeyFilePath, key);
            GeneratedKey = key;
            Source = KeyFilePath;
        }
        if (key.Length < AuthOptions.MinimumKeyLength)
            throw new InvalidOperationException($"The admin key in {KeyFilePath} is too short; delete the file to generate a new one.");
        _hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
    }

    /// <summary>Set only on the start that generated the key, so it is printed exactly once.</summary>
    public string? GeneratedKey { get; private set; }

    public string? KeyFilePath { get; }

    public string Source { get; }

    public bool Matches(string presentedKey) => KeyHashing.HashEquals(presentedKey, _hash);

    /// <summary>Forgets the plain key once it has been shown.</summary>
    public void ForgetGeneratedKey() => GeneratedKey = null;

    private static void WriteOwnerOnly(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(content);
    }
}
