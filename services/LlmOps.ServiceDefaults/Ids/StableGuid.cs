using System.Security.Cryptography;
using System.Text;

namespace LlmOps.ServiceDefaults.Ids;

/// <summary>
/// A Guid that is the same every time for the same parts (a UUID version 8 carrying the first 16 bytes of their SHA-256):
/// for ids that make a redelivered message or a second replica produce the same record instead of a duplicate.
/// </summary>
public static class StableGuid
{
    public static Guid From(params string[] parts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts)));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
