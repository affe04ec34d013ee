using LlmOps.Evaluator.Features.Rag;

namespace LlmOps.Evaluator.Tests.Unit.Rag;

public class ContextRecallTests
{
    public static TheoryData<int> Topics => Corpus.Indexes();

    [Theory]
    [MemberData(nameof(Topics))]
    public void A_reference_drawn_from_the_document_is_fully_recalled_and_not_from_another(int topic)
    {
        var t = Corpus.Topics[topic];
        Assert.Equal(1, LexicalRag.ContextRecall([t.Document], t.FaithfulAnswer).Value);
        Assert.True(LexicalRag.ContextRecall([Corpus.OffTopicDocument(topic)], t.FaithfulAnswer).Value <= 0.2);
    }

    [Fact]
    public void A_reference_claim_missing_from_the_context_lowers_recall_to_the_supported_share()
    {
        const string reference = "The Eiffel Tower was completed in 1889. It is 330 metres tall. It was last repainted in 2019 in a gold-brown colour.";
        var score = LexicalRag.ContextRecall([Corpus.Topics[0].Document], reference);

        Assert.Equal((2.0 / 3, 2, 3), (score.Value!.Value, score.Supported, score.Total));
        Assert.Contains("not found: \"It was last repainted in 2019 in a gold-brown colour\" (number 2019 is not in the context)", score.Explanation);
    }

    [Fact]
    public void Claims_are_recalled_from_whichever_document_holds_them()
    {
        var reference = "The Eiffel Tower was completed in 1889. Marie Curie won the Nobel Prize in Chemistry in 1911.";
        Assert.Equal(0.5, LexicalRag.ContextRecall([Corpus.Topics[0].Document], reference).Value);
        Assert.Equal(1, LexicalRag.ContextRecall([Corpus.Topics[5].Document, Corpus.Topics[0].Document], reference).Value);
    }

    [Fact]
    public void A_context_with_none_of_the_reference_scores_0()
    {
        var score = LexicalRag.ContextRecall([Corpus.Topics[3].Document], Corpus.Topics[0].FaithfulAnswer);
        Assert.Equal((0.0, 0, 2), (score.Value, score.Supported, score.Total));
    }

    [Theory]
    [InlineData(null, "no reference answer")]
    [InlineData("\t", "no reference answer")]
    [InlineData("Sure, okay.", "the reference makes no claims")]
    public void Without_a_reference_with_claims_it_is_not_applicable(string? reference, string why)
    {
        Assert.Equal(new RagScore(null, "not applicable: " + why), LexicalRag.ContextRecall([Corpus.Topics[0].Document], reference));
    }

    [Fact]
    public void Without_documents_it_is_not_applicable()
    {
        Assert.Null(LexicalRag.ContextRecall([], Corpus.Topics[0].FaithfulAnswer).Value);
    }
}
