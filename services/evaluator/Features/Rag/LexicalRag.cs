using System.Globalization;

namespace LlmOps.Evaluator.Features.Rag;

/// <summary>
/// Deterministic RAG metrics that need no model: the RAGAS definitions with term overlap in place of the LLM's
/// judgement, so that every trace can be scored, cheaply and reproducibly, and every number explained.
/// <para>
/// Shared vocabulary. Terms are <see cref="TextTerms.Terms"/> (lower-cased, stemmed, no stop-words). A claim is a
/// sentence with content terms (<see cref="TextTerms.Sentences"/>). Names (capitalised inside a sentence, or in
/// capitals) and numbers weigh 2, other terms 1; a weighted share is Σ weight of the terms found ÷ Σ weight of all of
/// them. A claim is <b>supported</b> by a text when every number and every name of the claim occurs in it and the
/// weighted share of the claim's distinct terms found in it is ≥ 0.6 (<see cref="ClaimSupportThreshold"/>).
/// Documents are given in rank order; blank documents keep their rank and support nothing, and when every document is
/// blank (or there are none) a metric that needs documents is not applicable.
/// </para>
/// <list type="bullet">
/// <item><b>ContextRelevance</b> (TruLens' context relevance): Q = the question's distinct terms, without request
/// words (explain, describe, tell, list, ...). cov(d) = weighted share of Q in document d;
/// value = ½ · max_d cov(d) + ½ · cov(all documents together): the best document answering alone, blended with what the
/// whole context covers. Supported/Total = terms of Q found anywhere / |Q|. Not applicable without a question, without
/// documents, or when the question has no content terms.</item>
/// <item><b>Faithfulness</b> (RAGAS): the answer's claims supported by the concatenated documents ÷ the answer's claims
/// (a claim supported by a single document is supported by the concatenation). Noncommittal sentences ("I don't
/// know", see <see cref="Noncommittal"/>) are not claims. The explanation names up to 3 unsupported claims and why
/// (a number or name not in the context, or too few of its terms). Not applicable without an answer, without
/// documents, or when the answer makes no claims.</item>
/// <item><b>AnswerRelevance</b> (RAGAS' answer relevancy, lexically): the weighted share of Q (as above) found in the
/// answer's committal sentences. 0 when the answer is noncommittal: it has a sentence with a noncommittal phrase and
/// its other sentences contain no question term. Not applicable without a question or an answer, or when the question
/// has no content terms. An answer that shares no term with the question ("Who wrote Hamlet?" → "Shakespeare.")
/// scores 0: a lexical metric rewards answers that restate what they answer.</item>
/// <item><b>ContextPrecision</b> (RAGAS context precision@K, K = the number of documents): document k is relevant
/// (v_k = 1) when it alone supports at least one claim of the reference. AP@K = Σ_k precision@k · v_k ÷ relevant
/// documents in the top K, with precision@k = relevant documents in the top k ÷ k; 0 when no document is relevant (the
/// retrieval failed, which is a result). Supported/Total = relevant documents / K. Not applicable without a
/// reference, without documents, or when the reference makes no claims.</item>
/// <item><b>ContextRecall</b> (RAGAS): the reference's claims supported by the concatenated documents ÷ the
/// reference's claims. Not applicable without a reference, without documents, or when the reference makes no
/// claims.</item>
/// </list>
/// All methods are pure and thread-safe. When several metrics of one trace are given the same document strings, the
/// documents are tokenized once (the last documents' terms are kept per thread).
/// <para>
/// Known limits of the lexical approach: synonyms and paraphrases are not recognised (lowering faithfulness and
/// recall), negation is not ("not" is a stop-word), and a claim that recombines context terms into a false statement
/// can pass; an LLM judge should confirm what these metrics flag rather than the other way round.
/// </para>
/// </summary>
public static class LexicalRag
{
    /// <summary>Weighted share of a claim's terms a text must contain (besides all its numbers and names) to support it.</summary>
    public const double ClaimSupportThreshold = 0.6;

    /// <summary>The weight of the best document in <see cref="ContextRelevance"/>; the whole context has the rest.</summary>
    public const double BestDocumentWeight = 0.5;

    private const int MaxListedClaims = 3;
    private const int MaxQuotedLength = 80;

    // Words that ask rather than say what about: "explain", "tell me", "list the".
    private static readonly HashSet<string> RequestTerms = new(
        new[] { "explain", "describe", "tell", "list", "give", "show", "please", "summarize", "summarise", "know", "define" }
            .SelectMany(TextTerms.Terms), StringComparer.Ordinal);

    public static RagScore ContextRelevance(string? question, IReadOnlyList<string> documents)
    {
        if (string.IsNullOrWhiteSpace(question)) return RagScore.NotApplicable("no question");
        if (ContextIndex.WhyNoDocuments(documents) is { } why) return RagScore.NotApplicable(why);
        var asked = QuestionTerms(question);
        if (asked.Count == 0) return RagScore.NotApplicable("the question has no content terms");

        var index = ContextIndex.Build(documents);
        double best = 0;
        int bestDocument = 0, bestFound = 0;
        for (var k = 0; k < index.Documents.Length; k++)
        {
            var (share, found) = ContextIndex.Coverage(asked, index.Documents[k]);
            if (share > best) (best, bestDocument, bestFound) = (share, k, found);
        }
        var (overall, overallFound) = ContextIndex.Coverage(asked, index.All);
        var value = BestDocumentWeight * best + (1 - BestDocumentWeight) * overall;
        var text = Invariant($"the best document (#{bestDocument + 1}) covers {bestFound} of {asked.Count} question terms ({Percent(best)} weighted), all documents together {overallFound} ({Percent(overall)})")
            + Missing(asked, index.All);
        return new RagScore(value, text, overallFound, asked.Count);
    }

    public static RagScore Faithfulness(string? answer, IReadOnlyList<string> documents)
    {
        if (string.IsNullOrWhiteSpace(answer)) return RagScore.NotApplicable("no answer");
        if (ContextIndex.WhyNoDocuments(documents) is { } why) return RagScore.NotApplicable(why);
        var claims = Claims.Split(answer);
        claims.RemoveAll(c => Noncommittal.IsNoncommittal(c.Text));
        if (claims.Count == 0) return RagScore.NotApplicable("the answer makes no claims");

        var context = ContextIndex.Build(documents).All;
        var supported = 0;
        var unsupported = new List<string>();
        foreach (var claim in claims)
        {
            if (ContextIndex.Supports(context, claim.Terms, out var reason)) supported++;
            else if (unsupported.Count < MaxListedClaims) unsupported.Add($"\"{Quote(claim.Text)}\" ({reason})");
        }
        var text = Invariant($"{supported} of {claims.Count} claims of the answer are supported by the context");
        if (unsupported.Count > 0) text += "; unsupported: " + string.Join(", ", unsupported);
        if (claims.Count - supported > unsupported.Count) text += Invariant($" and {claims.Count - supported - unsupported.Count} more");
        return new RagScore((double)supported / claims.Count, text, supported, claims.Count);
    }

    public static RagScore AnswerRelevance(string? question, string? answer)
    {
        if (string.IsNullOrWhiteSpace(question)) return RagScore.NotApplicable("no question");
        if (string.IsNullOrWhiteSpace(answer)) return RagScore.NotApplicable("no answer");
        var asked = QuestionTerms(question);
        if (asked.Count == 0) return RagScore.NotApplicable("the question has no content terms");

        var committal = new HashSet<string>(StringComparer.Ordinal);
        var evasive = false;
        foreach (var sentence in Claims.Split(answer))
        {
            if (Noncommittal.IsNoncommittal(sentence.Text)) evasive = true;
            else committal.UnionWith(sentence.Terms.Keys);
        }
        var (share, found) = ContextIndex.Coverage(asked, committal);
        if ((evasive || Noncommittal.IsNoncommittal(answer)) && found == 0)
            return new RagScore(0, "the answer is noncommittal", 0, asked.Count);
        var text = Invariant($"the answer covers {found} of {asked.Count} question terms ({Percent(share)} weighted)")
            + Missing(asked, committal);
        return new RagScore(share, text, found, asked.Count);
    }

    public static RagScore ContextPrecision(IReadOnlyList<string> documents, string? reference)
    {
        if (string.IsNullOrWhiteSpace(reference)) return RagScore.NotApplicable("no reference answer");
        if (ContextIndex.WhyNoDocuments(documents) is { } why) return RagScore.NotApplicable(why);
        var claims = Claims.Split(reference);
        if (claims.Count == 0) return RagScore.NotApplicable("the reference makes no claims");

        var index = ContextIndex.Build(documents);
        var relevantRanks = new List<int>();
        double sum = 0;
        for (var k = 0; k < index.Documents.Length; k++)
        {
            var terms = index.Documents[k];
            if (!claims.Exists(c => ContextIndex.Supports(terms, c.Terms, out _))) continue;
            relevantRanks.Add(k + 1);
            sum += (double)relevantRanks.Count / (k + 1);
        }
        if (relevantRanks.Count == 0)
            return new RagScore(0, Invariant($"none of the {documents.Count} documents supports a claim of the reference"), 0, documents.Count);
        var value = sum / relevantRanks.Count;
        var text = Invariant($"{relevantRanks.Count} of {documents.Count} documents support a claim of the reference, at rank {string.Join(", ", relevantRanks)}");
        return new RagScore(value, text, relevantRanks.Count, documents.Count);
    }

    public static RagScore ContextRecall(IReadOnlyList<string> documents, string? reference)
    {
        if (string.IsNullOrWhiteSpace(reference)) return RagScore.NotApplicable("no reference answer");
        if (ContextIndex.WhyNoDocuments(documents) is { } why) return RagScore.NotApplicable(why);
        var claims = Claims.Split(reference);
        if (claims.Count == 0) return RagScore.NotApplicable("the reference makes no claims");

        var context = ContextIndex.Build(documents).All;
        var supported = 0;
        var missed = new List<string>();
        foreach (var claim in claims)
        {
            if (ContextIndex.Supports(context, claim.Terms, out var reason)) supported++;
            else if (missed.Count < MaxListedClaims) missed.Add($"\"{Quote(claim.Text)}\" ({reason})");
        }
        var text = Invariant($"{supported} of {claims.Count} claims of the reference are supported by the context");
        if (missed.Count > 0) text += "; not found: " + string.Join(", ", missed);
        return new RagScore((double)supported / claims.Count, text, supported, claims.Count);
    }

    private static Dictionary<string, TermKind> QuestionTerms(string question)
    {
        var terms = TextTerms.Bag(question);
        foreach (var request in RequestTerms) terms.Remove(request);
        return terms;
    }

    private static string Missing(Dictionary<string, TermKind> asked, HashSet<string> found)
    {
        var missing = asked.Keys.Where(t => !found.Contains(t)).Take(5).ToList();
        return missing.Count == 0 ? "" : "; missing: " + string.Join(", ", missing);
    }

    private static string Quote(string claim)
    {
        var flat = claim.ReplaceLineEndings(" ");
        return flat.Length <= MaxQuotedLength ? flat : string.Concat(flat.AsSpan(0, MaxQuotedLength - 1).TrimEnd(), "…");
    }

    private static string Percent(double share) => Math.Round(share * 100).ToString(CultureInfo.InvariantCulture) + "%";

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
