using LlmOps.Evaluator.Features.Rag;

namespace LlmOps.Evaluator.Tests.Unit.Rag;

public class RagRobustnessTests
{
    private const string Alphabet = "aeiou bcdfg XYZ 0123456789 .,;:!?'’-\n\t()*#• ÄéßЖж東京🚀\u0301";

    [Fact]
    public void Any_text_gives_a_value_in_0_to_1_or_not_applicable_never_NaN()
    {
        var random = new Random(7);
        string Text(int max) => new([.. Enumerable.Range(0, random.Next(max)).Select(_ => Alphabet[random.Next(Alphabet.Length)])]);
        for (var i = 0; i < 2_000; i++)
        {
            string question = Text(60), answer = Text(200), reference = Text(200);
            string[] documents = [.. Enumerable.Range(0, random.Next(4)).Select(_ => Text(300))];
            RagScore[] scores =
            [
                LexicalRag.ContextRelevance(question, documents), LexicalRag.Faithfulness(answer, documents),
                LexicalRag.AnswerRelevance(question, answer), LexicalRag.ContextPrecision(documents, reference),
                LexicalRag.ContextRecall(documents, reference),
            ];
            foreach (var score in scores)
            {
                Assert.False(string.IsNullOrEmpty(score.Explanation));
                if (score.Value is { } value) Assert.InRange(value, 0, 1);
                else Assert.StartsWith("not applicable:", score.Explanation);
            }
        }
    }

    [Fact]
    public void A_list_whose_documents_changed_since_the_last_metric_is_read_again()
    {
        var t = Corpus.Topics[0];
        var documents = new List<string> { t.Document };
        Assert.Equal(1, LexicalRag.Faithfulness(t.FaithfulAnswer, documents).Value);
        documents[0] = Corpus.OffTopicDocument(0);
        Assert.Equal(0, LexicalRag.Faithfulness(t.FaithfulAnswer, documents).Value);
        documents[0] = t.Document;
        documents.Add(Corpus.OffTopicDocument(0));
        Assert.Equal(1, LexicalRag.ContextPrecision(documents, t.FaithfulAnswer).Value);
    }
}
