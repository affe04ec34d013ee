using LlmOps.Evaluator.Features.Rag;

namespace LlmOps.Evaluator.Tests.Unit.Rag;

public class ContextPrecisionTests
{
    public static TheoryData<int> Topics => Corpus.Indexes();

    private static readonly string Reference = Corpus.Topics[0].FaithfulAnswer;
    private static readonly string Relevant = Corpus.Topics[0].Document;
    private static readonly string Other1 = Corpus.Topics[3].Document;
    private static readonly string Other2 = Corpus.Topics[7].Document;

    [Theory]
    [MemberData(nameof(Topics))]
    public void The_relevant_document_ranked_first_scores_1_and_ranked_second_0_5(int topic)
    {
        var t = Corpus.Topics[topic];
        Assert.Equal(1, LexicalRag.ContextPrecision([t.Document, Corpus.OffTopicDocument(topic)], t.FaithfulAnswer).Value);
        Assert.Equal(0.5, LexicalRag.ContextPrecision([Corpus.OffTopicDocument(topic), t.Document], t.FaithfulAnswer).Value);
    }

    [Fact]
    public void Average_precision_rewards_relevant_documents_ranked_early()
    {
        var first = LexicalRag.ContextPrecision([Relevant, Other1, Other2], Reference);
        var last = LexicalRag.ContextPrecision([Other1, Other2, Relevant], Reference);
        var both = LexicalRag.ContextPrecision([Relevant, Other1, Relevant], Reference);

        Assert.Equal((1.0, 1, 3), (first.Value, first.Supported, first.Total));
        Assert.Equal(1.0 / 3, last.Value!.Value, 9);
        Assert.Equal((1 + 2.0 / 3) / 2, both.Value!.Value, 9);
        Assert.Contains("at rank 1, 3", both.Explanation);
    }

    [Fact]
    public void A_document_supporting_any_one_claim_of_the_reference_is_relevant()
    {
        string[] documents = [Other1, "The Eiffel Tower is 330 metres tall.", Other2];
        var score = LexicalRag.ContextPrecision(documents, Reference);
        Assert.Equal((0.5, 1, 3), (score.Value, score.Supported, score.Total));
    }

    [Fact]
    public void A_document_on_the_subject_without_the_reference_facts_is_not_relevant()
    {
        var score = LexicalRag.ContextPrecision(["The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris."], Reference);
        Assert.Equal(0, score.Value);
    }

    [Fact]
    public void No_relevant_document_scores_0_because_the_retrieval_failed()
    {
        var score = LexicalRag.ContextPrecision([Other1, Other2], Reference);
        Assert.Equal(new RagScore(0, "none of the 2 documents supports a claim of the reference", 0, 2), score);
    }

    [Fact]
    public void Blank_documents_keep_their_rank()
    {
        Assert.Equal(0.5, LexicalRag.ContextPrecision(["", Relevant], Reference).Value);
    }

    [Theory]
    [InlineData(null, "no reference answer")]
    [InlineData("", "no reference answer")]
    [InlineData("Yes.", "the reference makes no claims")]
    public void Without_a_reference_with_claims_it_is_not_applicable(string? reference, string why)
    {
        Assert.Equal(new RagScore(null, "not applicable: " + why), LexicalRag.ContextPrecision([Relevant], reference));
    }

    [Fact]
    public void Without_documents_it_is_not_applicable()
    {
        Assert.Equal(new RagScore(null, "not applicable: no retrieved documents"), LexicalRag.ContextPrecision([], Reference));
        Assert.Equal(new RagScore(null, "not applicable: the retrieved documents are all blank"), LexicalRag.ContextPrecision(["", " "], Reference));
    }
}
