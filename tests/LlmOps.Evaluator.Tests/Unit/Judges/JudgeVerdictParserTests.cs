using LlmOps.Evaluator.Features.Judges;

namespace LlmOps.Evaluator.Tests.Unit.Judges;

public class JudgeVerdictParserTests
{
    private static JudgeVerdict Parse(string? reply) => JudgeVerdictParser.Parse(reply, "factual", "hallucinated");

    [Theory]
    [InlineData("""{"score": 0.9, "verdict": "factual", "explanation": "All supported."}""", 0.9, "factual")]
    [InlineData("""{"score": 0, "verdict": "hallucinated", "explanation": "Invents a date."}""", 0.0, "hallucinated")]
    [InlineData("```json\n{\"score\": 0.2, \"verdict\": \"hallucinated\", \"explanation\": \"x\"}\n```", 0.2, "hallucinated")]
    [InlineData("Here is my evaluation:\n{\"rating\": \"80%\", \"explanation\": \"mostly supported\"}\nHope this helps.", 0.8, "factual")]
    [InlineData("""{"score": "4/5", "label": "Factual"}""", 0.8, "factual")]
    [InlineData("""{"verdict": "hallucinated"}""", 0.0, "hallucinated")]
    [InlineData("""{"verdict": "factual"}""", 1.0, "factual")]
    [InlineData("Score: 0.95\nVerdict: factual\nExplanation: every claim is in the context", 0.95, "factual")]
    [InlineData("**Score**: 1/10\nReasoning: the answer contradicts the context", 0.1, "hallucinated")]
    public void Readable_replies_give_a_score_and_a_label(string reply, double score, string label)
    {
        var verdict = Parse(reply);

        Assert.True(verdict.Ok, verdict.Error);
        Assert.Equal(score, verdict.Score!.Value, 4);
        Assert.Equal(label, verdict.Label);
    }

    [Theory]
    [InlineData("""{"score": 0.55, "verdict": "factual"}""")]
    [InlineData("""{"score": 0.45}""")]
    public void Scores_near_the_threshold_are_uncertain(string reply) => Assert.Equal("uncertain", Parse(reply).Label);

    [Fact]
    public void The_explanation_is_kept() =>
        Assert.Equal("The answer invents a warranty.", Parse("""{"score": 0.1, "explanation": "The answer invents a warranty."}""").Explanation);

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("   ", "empty")]
    [InlineData("Looks fine to me.", "no score")]
    [InlineData("""{"score": 7, "verdict": "factual"}""", "outside 0")]
    [InlineData("""{"score": "high"}""", "not a number")]
    [InlineData("""{"verdict": "mostly true"}""", "neither")]
    [InlineData("""{"explanation": "I refuse to grade this."}""", "no score")]
    public void Unreadable_replies_are_errors_never_guessed_scores(string? reply, string reason)
    {
        var verdict = Parse(reply);

        Assert.False(verdict.Ok);
        Assert.Null(verdict.Score);
        Assert.Contains(reason, verdict.Error);
    }

    [Theory]
    [InlineData("""{"winner": "A", "explanation": "more complete"}""", "A")]
    [InlineData("""Sure. {"winner": "answer b"}""", "B")]
    [InlineData("""{"winner": "Tie"}""", "tie")]
    public void Pairwise_replies_name_a_winner(string reply, string winner) => Assert.Equal(winner, PairwiseJudge.ParseWinner(reply).Winner);

    [Theory]
    [InlineData("""{"winner": "C"}""")]
    [InlineData("A is better")]
    [InlineData("")]
    public void Pairwise_replies_without_a_valid_winner_are_errors(string reply) => Assert.NotNull(PairwiseJudge.ParseWinner(reply).Error);
}
