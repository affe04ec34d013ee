using System.Security.Cryptography;
using System.Text;

namespace LlmOps.ServiceDefaults.Auth;

public static class KeyHashing
{
    /// <summary>Lower-case hex SHA-256: keys are long random strings, so a fast hash is the right tool (no salt needed).</summary>
    public static string Sha256Hex(string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Compares in constant time, so response timing tells an attacker nothing about the key.</summary>
    public static bool HashEquals(string presentedKey, byte[] expectedHash)
    {
        Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey), presented);
        return CryptographicOperations.FixedTimeEquals(presented, expectedHash);
    }

    /// <summary>A new secret with the given prefix and 256 bits of randomness, URL-safe.</summary>
    public static string NewKey(string prefix) =>
        prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
