namespace LlmOps.Evaluator.Features.Rag;

/// <summary>The terms of the retrieved documents, each and together, and the claim-support rule that reads them.</summary>
internal sealed class ContextIndex
{
    private ContextIndex(HashSet<string> all, HashSet<string>[] documents)
    {
        All = all;
        Documents = documents;
    }

    /// <summary>Every term of every document.</summary>
    public HashSet<string> All { get; }

    /// <summary>Each document's terms, in rank order (blank documents keep their rank and have none).</summary>
    public HashSet<string>[] Documents { get; }

    /// <summary>Why the metric is not applicable for these documents, or null when there is something to read.</summary>
    public static string? WhyNoDocuments(IReadOnlyList<string?>? documents)
    {
        if (documents is null || documents.Count == 0) return "no retrieved documents";
        for (var i = 0; i < documents.Count; i++)
            if (!string.IsNullOrWhiteSpace(documents[i])) return null;
        return "the retrieved documents are all blank";
    }

    // The metrics of one trace read the same documents four times; the last index built on this thread is reused when
    // the documents are the very same string instances in the same order (strings are immutable, so the terms are too).
    [ThreadStatic] private static (string?[] Documents, ContextIndex Index)? _last;

    public static ContextIndex Build(IReadOnlyList<string?> documents)
    {
        if (_last is var (previous, index) && IsSameList(previous, documents)) return index;

        var all = new HashSet<string>(StringComparer.Ordinal);
        var each = new HashSet<string>[documents.Count];
        var copy = new string?[documents.Count];
        for (var i = 0; i < documents.Count; i++)
        {
            copy[i] = documents[i];
            each[i] = new HashSet<string>(StringComparer.Ordinal);
            TextTerms.AddTo(each[i], documents[i]);
            all.UnionWith(each[i]);
        }
        index = new ContextIndex(all, each);
        _last = (copy, index);
        return index;
    }

    private static bool IsSameList(string?[] previous, IReadOnlyList<string?> documents)
    {
        if (previous.Length != documents.Count) return false;
        for (var i = 0; i < previous.Length; i++)
            if (!ReferenceEquals(previous[i], documents[i])) return false;
        return true;
    }

    /// <summary>Names and numbers say more about what a text is about than other words: they count twice.</summary>
    public static int Weight(TermKind kind) => kind == TermKind.Word ? 1 : 2;

    /// <summary>Weighted share of <paramref name="terms"/> found in <paramref name="context"/>, and how many were found.</summary>
    public static (double Share, int Found) Coverage(Dictionary<string, TermKind> terms, HashSet<string> context)
    {
        int found = 0, weight = 0, total = 0;
        foreach (var (term, kind) in terms)
        {
            var w = Weight(kind);
            total += w;
            if (!context.Contains(term)) continue;
            found++;
            weight += w;
        }
        return (total == 0 ? 0 : (double)weight / total, found);
    }

    /// <summary>
    /// A claim is supported by <paramref name="context"/> when every number and name in it appears there (a wrong year
    /// or place is the typical invented fact, and one term among many would not outweigh it) and at least
    /// <see cref="LexicalRag.ClaimSupportThreshold"/> of its weighted terms do. <paramref name="why"/> says why not, otherwise null.
    /// </summary>
    public static bool Supports(HashSet<string> context, Dictionary<string, TermKind> claim, out string? why)
    {
        foreach (var (term, kind) in claim)
        {
            if (kind == TermKind.Word || context.Contains(term)) continue;
            why = $"{((kind & TermKind.Number) != 0 ? "number" : "name")} {term} is not in the context";
            return false;
        }
        var (share, found) = Coverage(claim, context);
        why = share >= LexicalRag.ClaimSupportThreshold ? null : $"{found} of {claim.Count} terms in the context";
        return why is null;
    }
}
