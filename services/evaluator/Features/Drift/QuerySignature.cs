using LlmOps.Evaluator.Features.Rag;

namespace LlmOps.Evaluator.Features.Drift;

/// <summary>
/// A compact signature of a question for the query-drift statistic: one MinHash of its content terms (the lexical RAG
/// metrics' terms, numbers left out so "order 7" and "order 8" sign alike), folded into <see cref="Buckets"/> buckets. Two
/// questions land in the same bucket with a probability of at least their terms' Jaccard similarity, so questions on one
/// topic gather in a few buckets and a new topic fills others: the bucket distribution is what the PSI compares. No
/// embedding model is needed, and the signature is the same on every replica and after a restart (FNV-1a, not
/// string.GetHashCode).
/// </summary>
public static class QuerySignature
{
    public const int Buckets = 32;
    private const int KeptTerms = 8;
    private const int MaxTermsChars = 200;

    public readonly record struct Signature(int? Bucket, string? Terms);

    public static Signature Of(string? question)
    {
        if (string.IsNullOrWhiteSpace(question))
            return new Signature(null, null);
        var terms = TextTerms.Terms(question).Where(t => !t.Any(char.IsDigit)).Distinct(StringComparer.Ordinal).ToList();
        if (terms.Count == 0)
            return new Signature(null, null);
        var min = terms.Min(Hash);
        var kept = string.Join(' ', terms.Take(KeptTerms));
        return new Signature((int)(min % Buckets), kept.Length > MaxTermsChars ? kept[..MaxTermsChars] : kept);
    }

    /// <summary>FNV-1a (64 bit) with a final avalanche, so that the low bits used for the bucket are well mixed.</summary>
    public static ulong Hash(string term)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in term)
            hash = (hash ^ c) * 1099511628211UL;
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return hash;
    }
}
