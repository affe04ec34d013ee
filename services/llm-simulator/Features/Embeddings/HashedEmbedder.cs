using System.Text.RegularExpressions;
using LlmOps.LlmSimulator.Text;

namespace LlmOps.LlmSimulator.Features.Embeddings;

/// <summary>
/// Deterministic embeddings by feature hashing: each lower-cased word (weight 1) and word pair (weight 0.5) adds a
/// signed unit to one dimension chosen by its hash; the vector is L2-normalised. Texts that share words are close
/// (cosine grows with overlap), texts that share none are near-orthogonal. It captures vocabulary overlap only, not
/// meaning: enough to exercise semantic caches and drift detectors, not to judge them.
/// </summary>
public static partial class HashedEmbedder
{
    [GeneratedRegex(@"[\p{L}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex Word();

    public static float[] Embed(string text, int dimensions)
    {
        var vector = new float[dimensions];
        string? previous = null;
        foreach (Match match in Word().Matches(text.ToLowerInvariant()))
        {
            Add(vector, match.Value, 1f);
            if (previous is not null)
                Add(vector, previous + " " + match.Value, 0.5f);
            previous = match.Value;
        }

        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        if (norm == 0)
        {
            vector[0] = 1f;
            return vector;
        }
        for (var i = 0; i < vector.Length; i++)
            vector[i] /= norm;
        return vector;
    }

    private static void Add(float[] vector, string feature, float weight)
    {
        var hash = StableHash.Of(feature);
        var index = (int)(hash % (ulong)vector.Length);
        vector[index] += (hash >> 63) == 0 ? weight : -weight;
    }
}
