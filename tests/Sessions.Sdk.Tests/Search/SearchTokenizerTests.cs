namespace Sessions.Sdk.Tests;

public sealed class SearchTokenizerTests
{
    [Test]
    public void Words_MaxWords_StopsAfterThatManyDistinctWords()
    {
        Assert.That(SearchTokenizer.Words("one One two three four", maxWords: 3), Is.EqualTo(new[] { "one", "two", "three" }));
    }

    [TestCase(null)]
    [TestCase("   ")]
    public void Words_NoText_ReturnsEmpty(string? text)
    {
        Assert.That(SearchTokenizer.Words(text), Is.Empty);
    }

    [Test]
    public void NextToken_WalksWordsAndReportsPositions()
    {
        const string text = "  ab, c-12 ";
        var found = new List<(int Start, int Length)>();
        int i = 0;
        while (SearchTokenizer.NextToken(text, ref i, out int start, out int length)) found.Add((start, length));

        Assert.That(found, Is.EqualTo(new[] { (2, 2), (6, 1), (8, 2) }));
    }

    [TestCase("apple", "APPLE", false, true)]
    [TestCase("apples", "apple", false, false)]
    [TestCase("apples", "apple", true, true)]
    [TestCase("pineapple", "apple", true, false)]
    public void Matches_WholeWordOrPrefix_IgnoringCase(string token, string word, bool prefix, bool expected)
    {
        Assert.That(SearchTokenizer.Matches(token, word, prefix), Is.EqualTo(expected));
    }

    [TestCase('a', true)]
    [TestCase('7', true)]
    [TestCase('会', true)]
    [TestCase('_', false)]
    [TestCase('*', false)]
    [TestCase('"', false)]
    public void IsWordChar_LettersAndDigitsOnly(char c, bool expected)
    {
        Assert.That(SearchTokenizer.IsWordChar(c), Is.EqualTo(expected));
    }
}
