using System.Text;

namespace LlmOps.LlmSimulator.Text;

/// <summary>
/// FNV-1a, 64 bit: the same on every machine and run (string.GetHashCode is randomised per process), which is what
/// makes the simulator's answers deterministic.
/// </summary>
public static class StableHash
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static ulong Of(ReadOnlySpan<byte> bytes)
    {
        var hash = Offset;
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= Prime;
        }
        return Mix(hash);
    }

    public static ulong Of(string text) => Of(Encoding.UTF8.GetBytes(text));

    // FNV's low bits are weak for short inputs; a final avalanche (splitmix64) spreads them.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        return z ^ (z >> 31);
    }
}
