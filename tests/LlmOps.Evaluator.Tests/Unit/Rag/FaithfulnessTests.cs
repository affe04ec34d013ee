using LlmOps.Evaluator.Features.Rag;

namespace LlmOps.Evaluator.Tests.Unit.Rag;

public class FaithfulnessTests
{
    public static TheoryData<int> Topics => Corpus.Indexes();

    [Theory]
    [MemberData(nameof(Topics))]
    public void An_answer_faithful_to_the_document_scores_at_least_0_8(int topic)
    {
        var t = Corpus.Topics[topic];
        var score = LexicalRag.Faithfulness(t.FaithfulAnswer, [t.Document]);
        Assert.True(score.Value >= 0.8, score.Explanation);
    }

    [Theory]
    [MemberData(nameof(Topics))]
    public void An_answer_with_invented_facts_or_numbers_scores_at_most_0_5(int topic)
    {
        var t = Corpus.Topics[topic];
        var score = LexicalRag.Faithfulness(t.InventedAnswer, [t.Document]);
        Assert.True(score.Value <= 0.5, score.Explanation);
    }

    [Fact]
    public void The_value_is_the_share_of_supported_claims()
    {
        var t = Corpus.Topics[0];
        var score = LexicalRag.Faithfulness(t.FaithfulAnswer + " " + t.InventedAnswer, [t.Document]);
        Assert.Equal((0.5, 2, 4), (score.Value, score.Supported, score.Total));
    }

    [Fact]
    public void One_changed_number_makes_an_otherwise_copied_claim_unsupported()
    {
        const string document = "The warranty covers parts and labour for 24 months from the date of purchase.";
        var score = LexicalRag.Faithfulness("The warranty covers parts and labour for 36 months from the date of purchase.", [document]);
        Assert.Equal(0, score.Value);
        Assert.Contains("number 36 is not in the context", score.Explanation);
    }

    [Fact]
    public void Numbers_match_across_formats()
    {
        var score = LexicalRag.Faithfulness("The plan includes twelve seats and 1000.0 API calls.", ["Includes 12 seats and 1,000 API calls per month."]);
        Assert.Equal(1, score.Value);
    }

    [Fact]
    public void A_claim_may_draw_on_several_documents()
    {
        string[] documents = ["The Eiffel Tower is 330 metres tall.", "The Eiffel Tower was completed in 1889."];
        var score = LexicalRag.Faithfulness("The Eiffel Tower, completed in 1889, is 330 metres tall.", documents);
        Assert.Equal(1, score.Value);
    }

    [Fact]
    public void The_explanation_quotes_at_most_three_unsupported_claims_truncated()
    {
        const string answer = "Berlin hosts 40 museums. Munich hosts 41 museums. Hamburg hosts 42 museums. Cologne hosts 43 museums. "
            + "Stuttgart, the capital of Baden-Württemberg and home to a great many carmakers and their museums, hosts 44 museums.";
        var score = LexicalRag.Faithfulness(answer, ["Paris hosts 130 museums."]);

        Assert.Equal((0.0, 0, 5), (score.Value, score.Supported, score.Total));
        Assert.Contains("\"Berlin hosts 40 museums\" (number 40 is not in the context)", score.Explanation);
        Assert.Contains("\"Hamburg hosts 42 museums\"", score.Explanation);
        Assert.DoesNotContain("Cologne", score.Explanation);
        Assert.EndsWith("and 2 more", score.Explanation);
    }

    [Fact]
    public void Long_unsupported_claims_are_truncated_in_the_explanation()
    {
        var claim = "Zanzibar exports " + string.Join(" ", Enumerable.Repeat("cloves and vanilla and cinnamon", 10));
        var score = LexicalRag.Faithfulness(claim, ["Kenya exports tea."]);
        Assert.Contains("…\"", score.Explanation);
        Assert.True(score.Explanation.Length < 200, score.Explanation);
    }

    [Fact]
    public void Noncommittal_sentences_are_not_claims()
    {
        var t = Corpus.Topics[0];
        var score = LexicalRag.Faithfulness("I'm not sure about the designer. " + t.FaithfulAnswer, [t.Document]);
        Assert.Equal((1.0, 2, 2), (score.Value, score.Supported, score.Total));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Yes!")]
    [InlineData("I don't know.")]
    [InlineData("The context does not mention who designed it.")]
    public void An_answer_without_claims_is_not_applicable(string? answer)
    {
        var score = LexicalRag.Faithfulness(answer, [Corpus.Topics[0].Document]);
        Assert.Null(score.Value);
        Assert.StartsWith("not applicable:", score.Explanation);
    }

    [Fact]
    public void No_documents_or_only_blank_ones_is_not_applicable()
    {
        var answer = Corpus.Topics[0].FaithfulAnswer;
        Assert.Equal("not applicable: no retrieved documents", LexicalRag.Faithfulness(answer, []).Explanation);
        Assert.Null(LexicalRag.Faithfulness(answer, []).Value);
        Assert.Null(LexicalRag.Faithfulness(answer, ["", "  \n"]).Value);
    }
}
