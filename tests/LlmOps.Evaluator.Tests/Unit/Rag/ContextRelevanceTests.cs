using LlmOps.Evaluator.Features.Rag;

namespace LlmOps.Evaluator.Tests.Unit.Rag;

public class ContextRelevanceTests
{
    public static TheoryData<int> Topics => Corpus.Indexes();

    public static TheoryData<int, string> NearMisses => new(Corpus.NearMisses.Select(n => (n.Topic, n.Document)));

    [Theory]
    [MemberData(nameof(Topics))]
    public void The_document_about_the_question_scores_at_least_0_6(int topic)
    {
        var t = Corpus.Topics[topic];
        var score = LexicalRag.ContextRelevance(t.Question, [t.Document]);
        Assert.True(score.Value >= 0.6, score.Explanation);
    }

    [Theory]
    [MemberData(nameof(Topics))]
    public void An_off_topic_document_scores_at_most_0_2(int topic)
    {
        var score = LexicalRag.ContextRelevance(Corpus.Topics[topic].Question, [Corpus.OffTopicDocument(topic)]);
        Assert.True(score.Value <= 0.2, score.Explanation);
    }

    [Theory]
    [MemberData(nameof(NearMisses))]
    public void A_document_on_the_subject_but_without_the_answer_scores_below_the_one_with_it(int topic, string nearMiss)
    {
        var t = Corpus.Topics[topic];
        var relevant = LexicalRag.ContextRelevance(t.Question, [t.Document]);
        var near = LexicalRag.ContextRelevance(t.Question, [nearMiss]);
        Assert.True(near.Value < relevant.Value, $"{near.Explanation} vs {relevant.Explanation}");
    }

    [Fact]
    public void The_value_blends_the_best_document_with_the_whole_context()
    {
        // "Eiffel" and "Tower" are names (weight 2 each), "completed" a word (1): the first document covers 4 of the
        // 5 weights, the second 1, both together all 5.
        const string question = "When was the Eiffel Tower completed?";
        string[] split = ["The Eiffel Tower stands in Paris.", "Construction was completed in 1889."];
        var score = LexicalRag.ContextRelevance(question, split);

        Assert.Equal(0.5 * (4.0 / 5) + 0.5 * 1, score.Value!.Value, 9);
        Assert.Equal((3, 3), (score.Supported, score.Total));
        Assert.Contains("best document (#1)", score.Explanation);
    }

    [Fact]
    public void An_off_topic_document_beside_a_relevant_one_costs_nothing()
    {
        var t = Corpus.Topics[0];
        Assert.Equal(
            LexicalRag.ContextRelevance(t.Question, [t.Document]).Value,
            LexicalRag.ContextRelevance(t.Question, [Corpus.OffTopicDocument(0), t.Document]).Value);
    }

    [Fact]
    public void Request_words_in_the_question_are_not_looked_for()
    {
        var score = LexicalRag.ContextRelevance("Please explain and describe the Eiffel Tower", [Corpus.Topics[0].Document]);
        Assert.Equal((1.0, 2, 2), (score.Value, score.Supported, score.Total));
    }

    [Theory]
    [InlineData(null, "no question")]
    [InlineData(" ", "no question")]
    [InlineData("What is it?", "the question has no content terms")]
    public void A_question_without_content_is_not_applicable(string? question, string why)
    {
        var score = LexicalRag.ContextRelevance(question, [Corpus.Topics[0].Document]);
        Assert.Equal(new RagScore(null, "not applicable: " + why), score);
    }

    [Fact]
    public void No_documents_is_not_applicable()
    {
        Assert.Equal(new RagScore(null, "not applicable: no retrieved documents"), LexicalRag.ContextRelevance("Eiffel Tower height", []));
        Assert.Null(LexicalRag.ContextRelevance("Eiffel Tower height", [" "]).Value);
    }
}
