using System.Numerics.Tensors;

namespace LlmOps.InferenceProxy.Features.Caching;

/// <summary>
/// The semantic cache's built-in embedder: no model, no network. It hashes a question's content words (lower-cased,
/// plural "s" dropped, common function words such as "the", "do", "can", "please" removed, but negations, numbers and
/// question words, prepositions and operator symbols such as <c>==</c> kept), their adjacent pairs (so word order counts: "A depends on B" is not "B depends on A") and the
/// character 4-grams of each word (so a typo costs a little, not everything) into a unit vector. What it captures is
/// wording: questions that differ in case, punctuation, filler and function words, or a typo, come out (nearly)
/// identical; a synonym or a rephrasing with other content words does not. It will not match "How do I change my
/// password?" with "I forgot my login credentials", and that is the safe direction to fail in.
/// </summary>
public static class LocalEmbedder
{
    public const int Dimensions = 512;

    private const float WordWeight = 1f;
    private const float PairWeight = 0.8f;
    private const float GramWeight = 0.15f;

    private static readonly HashSet<string> FunctionWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "i", "me", "my", "we", "our", "you", "your", "it", "its", "is", "are", "was", "were", "be", "been", "am", "do", "does", "did", "can", "could", "would",
        "should", "will", "shall", "may", "might", "must", "please", "pls", "hey", "hi", "hello", "thanks", "thank", "so",
        "just", "really", "kindly", "and", "or", "that", "this", "there", "some", "any", "u", "ur", "im", "i'm", "id", "i'd",
        "tell", "know", "want", "like", "need", "get", "let", "us", "able", "possible", "way", "quick", "quickly",
    };

    public static float[] Embed(string text)
    {
        var vector = new float[Dimensions];
        var words = ContentWords(text);
        for (var i = 0; i < words.Count; i++)
        {
            Add(vector, Hash(words[i], 0x9E37), WordWeight);
            if (i > 0)
                Add(vector, Hash(words[i - 1], 0x85EB) ^ Hash(words[i], 0xC2B2), PairWeight);
            var padded = "^" + words[i] + "$";
            for (var g = 0; g + 4 <= padded.Length; g++)
                Add(vector, Hash(padded.AsSpan(g, 4), 0x27D4), GramWeight);
        }
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0)
            TensorPrimitives.Divide(vector, norm, vector);
        return vector;
    }

    private static List<string> ContentWords(string text)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        void Flush()
        {
            if (current.Length == 0)
                return;
            var word = current.ToString().TrimEnd('.');
            current.Clear();
            // Contractions: "isn't" keeps its negation as a word of its own, "what's" is "what".
            string? negation = null;
            if (word.EndsWith("n't", StringComparison.Ordinal))
            {
                word = word == "can't" ? "can" : word == "won't" ? "will" : word[..^3];
                negation = "not";
            }
            else if (word.IndexOfAny(['\'', '\u2019']) is > 0 and var apostrophe)
                word = word[..apostrophe];
            if (!FunctionWords.Contains(word))
                words.Add(Singular(word));
            if (negation is not null)
                words.Add(negation);
        }

        string Singular(string word) =>
            word.Length > 3 && word[^1] == 's' && word[^2] != 's' && !char.IsAsciiDigit(word[^2]) ? word[..^1] : word;

        var symbols = false;
        foreach (var c in text)
        {
            // Operator runs ("==", "===", "<=", "+") are words of their own: they change what is asked.
            var isSymbol = c is '=' or '<' or '>' or '!' or '+' or '*' or '/' or '%' or '&' or '|' or '^' or '~';
            if (isSymbol != symbols && current.Length > 0)
                Flush();
            symbols = isSymbol;
            if (isSymbol || char.IsLetterOrDigit(c) || c is '\'' or '\u2019' && current.Length > 0 || c == '.' && current.Length > 0 && char.IsAsciiDigit(current[^1]))
                current.Append(c == '\u2019' ? '\'' : char.ToLowerInvariant(c));
            else
                Flush();
        }
        Flush();
        // A question of nothing but function words ("what can I do?") keeps them, or every such question would collide.
        return words.Count > 0 ? words : text.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private static void Add(float[] vector, uint hash, float weight) =>
        vector[hash % Dimensions] += (hash & 0x8000_0000) == 0 ? weight : -weight;

    // FNV-1a: stable across processes and runs (string.GetHashCode is not).
    private static uint Hash(ReadOnlySpan<char> text, uint seed)
    {
        var hash = 2166136261u ^ seed;
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 16777619u;
        }
        hash ^= hash >> 15;
        hash *= 0x2C1B3C6Du;
        hash ^= hash >> 12;
        return hash;
    }
}
