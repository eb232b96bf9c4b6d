namespace Sessions.Sdk.Tests;

/// <summary>The unpriced-request count on a PostgreSQL session row (its own migration): read when present, zero when absent.</summary>
[TestFixture]
public sealed class PostgreSqlUnpricedRowTests
{
    private const string Head = """["s", "", "chat", [], {}, null, null, null, null, null, 3, 1, 2, 10, 5, 6, 11, 0.25, 4, 7""";

    [Test]
    public void ParseSession_UnpricedCount_IsRead()
    {
        var session = PostgreSqlSessionStorage.ParseSession(Head + ", 3]");

        Assert.That(session.Usage, Is.EqualTo(new SessionUsage { InputTokens = 5, OutputTokens = 6, TotalTokens = 11, Cost = 0.25m, Requests = 4, UnpricedRequests = 3 }));
        Assert.That(session.Version, Is.EqualTo(7));
    }

    [Test]
    public void ParseSession_RowWithoutTheCount_HasNoUnpricedRequests()
    {
        Assert.That(PostgreSqlSessionStorage.ParseSession(Head + "]").Usage.UnpricedRequests, Is.Zero);
    }

    [TestCase(", \"x\"]")]
    [TestCase(", 1, 2]")]
    public void ParseSession_BadCount_ThrowsSessionFormatException(string tail)
    {
        Assert.Throws<SessionFormatException>(() => PostgreSqlSessionStorage.ParseSession(Head + tail));
    }
}
