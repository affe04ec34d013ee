using LlmOps.Evaluator.Features.Loop;

namespace LlmOps.Evaluator.Tests.Unit.Loop;

public class KnowledgeGapsTests
{
    [Fact]
    public void Queries_about_one_missing_topic_cluster_together_and_stray_misses_do_not()
    {
        var queries = new[]
        {
            "How do I get a refund for a gift card?",
            "Can gift cards be refunded?",
            "What is the refund policy on gift cards?",
            "Is a gift card refund possible after 30 days?",
            "gift card refund to my bank account",
            "How do I reset my password?",
            "Where is your office in Lisbon?",
        }.Select((text, i) => new KnowledgeGaps.Query($"t{i}", text)).ToList();

        var clusters = KnowledgeGaps.Find(queries, minQueries: 3);

        var gap = Assert.Single(clusters);
        Assert.Equal(5, gap.Queries.Count);
        Assert.Contains("gift", gap.Topic);
        Assert.Contains("refund", gap.Topic);
    }

    [Fact]
    public void Clusters_smaller_than_the_minimum_are_not_gaps()
    {
        var queries = new[] { "gift card refund", "refund of gift card" }.Select((text, i) => new KnowledgeGaps.Query($"t{i}", text)).ToList();

        Assert.Empty(KnowledgeGaps.Find(queries, minQueries: 3));
    }
}
