using LlmOps.Evaluator.Features.Rag;

namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// Groups the queries for which nothing relevant was retrieved into topics, so a knowledge gap names what the index
/// lacks ("refund policy for gift cards") instead of listing unrelated misses. Leader clustering on content terms: a
/// query joins the first cluster that already holds at least half of its terms (counting every member's terms), else it
/// starts one. A cluster's topic is its most frequent terms. Deterministic for a given order of queries.
/// </summary>
public static class KnowledgeGaps
{
    public sealed record Query(string TraceId, string Text);

    public sealed record Cluster(string Topic, IReadOnlyList<Query> Queries);

    public static List<Cluster> Find(IReadOnlyList<Query> queries, int minQueries, double joinShare = 0.5)
    {
        var clusters = new List<(Dictionary<string, int> Terms, List<Query> Members)>();
        foreach (var query in queries)
        {
            var terms = TextTerms.Terms(query.Text).Distinct(StringComparer.Ordinal).ToList();
            if (terms.Count == 0)
                continue;
            var home = clusters.FirstOrDefault(c => (double)terms.Count(c.Terms.ContainsKey) / terms.Count >= joinShare);
            if (home.Members is null)
            {
                home = (new Dictionary<string, int>(StringComparer.Ordinal), new List<Query>());
                clusters.Add(home);
            }
            home.Members.Add(query);
            foreach (var term in terms)
                home.Terms[term] = home.Terms.GetValueOrDefault(term) + 1;
        }
        return clusters.Where(c => c.Members.Count >= minQueries)
            .OrderByDescending(c => c.Members.Count)
            .Select(c => new Cluster(
                string.Join(" ", c.Terms.OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal).Take(3).Select(t => t.Key)),
                c.Members))
            .ToList();
    }
}
