using LlmOps.Evaluator.Features.Rag;

namespace LlmOps.Evaluator.Tests.Unit.Rag;

public class AnswerRelevanceTests
{
    public static TheoryData<int> Topics => Corpus.Indexes();

    [Theory]
    [MemberData(nameof(Topics))]
    public void An_answer_to_the_question_scores_at_least_0_5_and_above_an_answer_to_another(int topic)
    {
        var t = Corpus.Topics[topic];
        var relevant = LexicalRag.AnswerRelevance(t.Question, t.FaithfulAnswer);
        var other = LexicalRag.AnswerRelevance(t.Question, Corpus.Topics[(topic + 6) % Corpus.Topics.Length].FaithfulAnswer);

        Assert.True(relevant.Value >= 0.5, relevant.Explanation);
        Assert.True(other.Value <= 0.2, other.Explanation);
        Assert.True(relevant.Value > other.Value);
    }

    [Theory]
    [InlineData("I don't know.")]
    [InlineData("I’m not sure.")]
    [InlineData("Sorry, I do not know the answer to that.")]
    [InlineData("I cannot determine when the Eiffel Tower was completed from the context.")]
    [InlineData("The context does not mention when the Eiffel Tower was completed.")]
    [InlineData("There is not enough information in the documents to answer this.")]
    [InlineData("I am unable to answer this question based on the provided documents.")]
    [InlineData("The provided documents do not provide a completion date for the tower.")]
    [InlineData("No idea, sorry!")]
    public void A_noncommittal_answer_scores_0(string answer)
    {
        var score = LexicalRag.AnswerRelevance(Corpus.Topics[0].Question, answer);
        Assert.Equal(0, score.Value);
        Assert.Equal("the answer is noncommittal", score.Explanation);
    }

    [Fact]
    public void A_hedge_followed_by_the_answer_is_scored_on_the_answer()
    {
        var score = LexicalRag.AnswerRelevance(Corpus.Topics[0].Question, "I'm not sure about the architect. The Eiffel Tower was completed in 1889.");
        Assert.Equal(1, score.Value);
    }

    [Fact]
    public void Noncommittal_phrases_inside_other_words_do_not_count()
    {
        var score = LexicalRag.AnswerRelevance("What does the Kenai ferry timetable show?", "The Kenai ferry timetable lists departures: Ai don't know. I don't knowingly skip stops.");
        Assert.True(score.Value > 0.5, score.Explanation);
    }

    [Fact]
    public void The_value_is_the_weighted_share_of_question_terms_in_the_answer()
    {
        // eiffel (name, 2) + tower (name, 2) + complet (1): the answer has the names but not the verb.
        var score = LexicalRag.AnswerRelevance("When was the Eiffel Tower completed?", "The Eiffel Tower opened in 1889.");
        Assert.Equal((0.8, 2, 3), (score.Value, score.Supported, score.Total));
        Assert.EndsWith("missing: complet", score.Explanation);
    }

    [Theory]
    [InlineData(null, "An answer.", "no question")]
    [InlineData("When was the Eiffel Tower completed?", null, "no answer")]
    [InlineData("When was the Eiffel Tower completed?", " \n", "no answer")]
    [InlineData("Why is it so?", "Because.", "the question has no content terms")]
    public void Without_question_or_answer_it_is_not_applicable(string? question, string? answer, string why)
    {
        Assert.Equal(new RagScore(null, "not applicable: " + why), LexicalRag.AnswerRelevance(question, answer));
    }
}
