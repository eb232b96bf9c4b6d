namespace Sessions.Sdk.Tests;

/// <summary>Tests the translation of user search text into a safe FTS5 query.</summary>
[TestFixture]
public sealed class SqliteFtsQueryTests
{
    [TestCase("hello", "\"hello\"*")]
    [TestCase("hello world", "\"hello\" \"world\"*")]
    [TestCase("  Hello,   WORLD!  ", "\"Hello\" \"WORLD\"*")]
    [TestCase("a AND b", "\"a\" \"AND\" \"b\"*")]
    [TestCase("NEAR(x y)", "\"NEAR\" \"x\" \"y\"*")]
    [TestCase("title:secret", "\"title\" \"secret\"*")]
    [TestCase("\"quoted phrase\"", "\"quoted\" \"phrase\"*")]
    [TestCase("-x ^y +z *w", "\"x\" \"y\" \"z\" \"w\"*")]
    [TestCase("café über", "\"café\" \"über\"*")]
    [TestCase("会話 検索", "\"会話\" \"検索\"*")]
    [TestCase("x1.5", "\"x1\" \"5\"*")]
    public void Build_UserText_QuotesEveryWordAndPrefixesTheLast(string text, string expected)
    {
        Assert.That(SqliteFtsQuery.Build(text), Is.EqualTo(expected));
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("!!! ??? ***")]
    [TestCase("\"\"\"")]
    [TestCase("\0\u0001\u0002")]
    [TestCase("🚀🔥")]
    public void Build_NoWordCharacters_ReturnsNull(string text)
    {
        Assert.That(SqliteFtsQuery.Build(text), Is.Null);
    }

    [Test]
    public void Terms_MoreThanTheLimit_KeepsTheFirstWords()
    {
        string text = string.Join(' ', Enumerable.Range(0, 500).Select(i => $"w{i}"));

        var terms = SqliteFtsQuery.Terms(text);

        Assert.That(terms, Has.Count.EqualTo(SqliteFtsQuery.MaxTerms));
        Assert.That(terms[0], Is.EqualTo("w0"));
    }

    [Test]
    public void Terms_UnpairedSurrogate_IsASeparator()
    {
        Assert.That(SqliteFtsQuery.Terms("ab\ud800cd"), Is.EqualTo(new[] { "ab", "cd" }));
    }
}
