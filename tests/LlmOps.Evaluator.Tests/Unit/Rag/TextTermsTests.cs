using LlmOps.Evaluator.Features.Rag;

namespace LlmOps.Evaluator.Tests.Unit.Rag;

public class TextTermsTests
{
    [Fact]
    public void Terms_are_lower_case_content_words_without_stop_words_or_punctuation()
    {
        Assert.Equal(["cat", "sat", "mat"], TextTerms.Terms("The Cats sat on the MAT, didn't they?"));
    }

    [Theory]
    [InlineData("studies", "study")]
    [InlineData("companies", "company")]
    [InlineData("boxes", "box")]
    [InlineData("classes", "class")]
    [InlineData("watches", "watch")]
    [InlineData("cases", "case")]
    [InlineData("running", "run")]
    [InlineData("stopped", "stop")]
    [InlineData("making", "make")]
    [InlineData("stored", "store")]
    [InlineData("quickly", "quick")]
    [InlineData("applied", "apply")]
    [InlineData("meetings", "meeting")]
    [InlineData("processes", "process")]
    [InlineData("processing", "processed")]
    public void Forms_of_one_word_stem_to_the_same_term(string form, string other)
    {
        var stem = Assert.Single(TextTerms.Terms(form));
        Assert.Equal(stem, Assert.Single(TextTerms.Terms(other)));
    }

    [Theory]
    [InlineData("status")]
    [InlineData("analysis")]
    [InlineData("class")]
    [InlineData("string")]
    [InlineData("bring")]
    [InlineData("need")]
    [InlineData("early")]
    public void Words_that_only_look_suffixed_keep_their_ending(string word)
    {
        Assert.Equal([word], TextTerms.Terms(word));
    }

    [Fact]
    public void Stemming_does_not_merge_unrelated_words()
    {
        Assert.NotEqual(TextTerms.Terms("bring"), TextTerms.Terms("bride"));
        Assert.NotEqual(TextTerms.Terms("reader"), TextTerms.Terms("writer"));
    }

    [Theory]
    [InlineData("It costs 1,000 dollars", new[] { "cost", "1000", "dollar" })]
    [InlineData("grew 3.50 percent", new[] { "grew", "3.5", "percent" })]
    [InlineData("3.0 or 10.0", new[] { "3", "10" })]
    [InlineData("version 3.5.1 ships", new[] { "version", "3.5.1", "ship" })]
    [InlineData("items 1,2,3", new[] { "item", "1", "2", "3" })]
    [InlineData("built in 1889.", new[] { "built", "1889" })]
    [InlineData("a 15% jump", new[] { "15", "jump" })]
    [InlineData("three or twelve boxes", new[] { "3", "12", "box" })]
    [InlineData("GPT-4 and gpt4", new[] { "gpt", "4", "gpt4" })]
    public void Numbers_are_kept_whole_and_normalised(string text, string[] expected)
    {
        Assert.Equal(expected, TextTerms.Terms(text));
    }

    [Fact]
    public void Single_digits_are_terms_but_single_letters_are_not()
    {
        Assert.Equal(["7"], TextTerms.Terms("a b c 7 x"));
    }

    [Fact]
    public void Possessives_and_contractions_lose_their_apostrophes()
    {
        Assert.Equal(["paris", "museum"], TextTerms.Terms("Paris's museums; it's, don’t, we're"));
    }

    [Fact]
    public void Letters_of_any_script_are_lower_cased_and_kept_unstemmed()
    {
        Assert.Equal(["über", "straße", "café", "москва", "столица"], TextTerms.Terms("Über Straße: CAFÉ! Москва — столица."));
    }

    [Fact]
    public void A_decomposed_accent_stays_inside_its_word()
    {
        Assert.Equal(["cafe\u0301", "noir"], TextTerms.Terms("Cafe\u0301 noir"));
    }

    [Fact]
    public void Ideographs_are_one_term_each_and_symbols_are_ignored()
    {
        Assert.Equal(["東", "京", "は", "日", "本"], TextTerms.Terms("東京は日本 🚀 → ©"));
    }

    [Fact]
    public void Text_without_content_has_no_terms()
    {
        Assert.Empty(TextTerms.Terms(""));
        Assert.Empty(TextTerms.Terms("What is it, and why would they?"));
    }

    [Fact]
    public void Sentences_split_at_terminators_and_drop_fragments_without_content()
    {
        Assert.Equal(
            ["Paris is the capital of France", "It has 2 million people", "Is it big", "Very big", "truly"],
            TextTerms.Sentences("Sure! Paris is the capital of France. It has 2 million people! Is it big? Yes; Very big\ntruly"));
    }

    [Fact]
    public void Sentences_do_not_split_decimals_initials_or_abbreviations()
    {
        Assert.Equal(
            ["J. K. Rowling sold 3.5 million copies, e.g. in the U.S. market", "Sales grew"],
            TextTerms.Sentences("J. K. Rowling sold 3.5 million copies, e.g. in the U.S. market. Sales grew."));
    }

    [Fact]
    public void List_items_are_sentences_without_their_markers_and_headings_are_dropped()
    {
        const string text = "## Steps\nTo upgrade:\n- Install the package\n* Run the tool\n1. Restart the server\n2) Check the logs\n(iii) Celebrate";
        Assert.Equal(
            ["To upgrade:", "Install the package", "Run the tool", "Restart the server", "Check the logs", "Celebrate"],
            TextTerms.Sentences(text));
    }

    [Fact]
    public void A_blank_text_has_no_sentences()
    {
        Assert.Empty(TextTerms.Sentences("   \n "));
        Assert.Empty(TextTerms.Sentences("Yes. OK!"));
    }
}
