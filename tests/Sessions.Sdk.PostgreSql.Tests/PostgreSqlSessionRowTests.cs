namespace Sessions.Sdk.Tests;

/// <summary>The session row as the PostgreSQL store selects it (one JSON array): every field read back, and anything else refused with a typed exception.</summary>
[TestFixture]
public sealed class PostgreSqlSessionRowTests
{
    private const string Row =
        """["s-1", "T \"q\" \\ \u0001 😀", "plan", ["a", "b \"c\""], {"k": "v", "n": 5, "o": {"x": [1, 2]}}, "be brief", "openai", "gpt-4o-mini", "parent", 3, """ +
        """12, 638500000000000000, 638500000000000007, 4321, 1, 2, 3, 0.000123456789012345678, 4, 9]""";

    [Test]
    public void ParseSession_EveryField_IsRead()
    {
        var session = PostgreSqlSessionStorage.ParseSession(Row);

        Assert.That(session.Id, Is.EqualTo("s-1"));
        Assert.That(session.Title, Is.EqualTo("T \"q\" \\ \u0001 😀"));
        Assert.That(session.Kind, Is.EqualTo(SessionKind.Plan));
        Assert.That(session.Tags, Is.EqualTo(new[] { "a", "b \"c\"" }));
        Assert.That(session.Metadata["k"], Is.EqualTo("v"));
        Assert.That(session.Metadata["n"], Is.EqualTo("5"), "a value written as a JSON number by hand reads as its JSON text");
        Assert.That(session.Metadata["o"], Is.EqualTo("{\"x\": [1, 2]}"));
        Assert.That((session.SystemPrompt, session.ProviderName, session.ModelId, session.ParentSessionId), Is.EqualTo(("be brief", "openai", "gpt-4o-mini", "parent")));
        Assert.That(session.BranchedAtSequence, Is.EqualTo(3));
        Assert.That(session.MessageCount, Is.EqualTo(12));
        Assert.That(session.CreatedAt, Is.EqualTo(new DateTimeOffset(638500000000000000, TimeSpan.Zero)));
        Assert.That(session.UpdatedAt.UtcTicks, Is.EqualTo(638500000000000007));
        Assert.That(session.SizeBytes, Is.EqualTo(4321));
        Assert.That(session.Usage, Is.EqualTo(new SessionUsage { InputTokens = 1, OutputTokens = 2, TotalTokens = 3, Cost = 0.000123456789012345678m, Requests = 4 }));
        Assert.That(session.Version, Is.EqualTo(9));
    }

    [Test]
    public void ParseSession_NullOptionalFields_AreNull()
    {
        var session = PostgreSqlSessionStorage.ParseSession("""["s", "", "chat", [], {}, null, null, null, null, null, 0, 1, 2, 0, 0, 0, 0, 0, 0, 1]""");

        Assert.That((session.SystemPrompt, session.ProviderName, session.ModelId, session.ParentSessionId, session.BranchedAtSequence), Is.EqualTo(((string?)null, (string?)null, (string?)null, (string?)null, (long?)null)));
        Assert.That(session.Tags, Is.Empty);
        Assert.That(session.Metadata, Is.Empty);
        Assert.That(session.Kind, Is.EqualTo(SessionKind.Chat));
    }

    [TestCase("")]
    [TestCase("[")]
    [TestCase("{}")]
    [TestCase("[\"s\"]")]
    [TestCase("[null, \"\", \"chat\", [], {}, null, null, null, null, null, 0, 1, 2, 0, 0, 0, 0, 0, 0, 1]")]
    [TestCase("[\"s\", \"\", \"chat\", [], {}, null, null, null, null, null, \"many\", 1, 2, 0, 0, 0, 0, 0, 0, 1]")]
    [TestCase("[\"s\", \"\", \"chat\", [], {}, null, null, null, null, null, 0, 1, 2, 0, 0, 0, 0, 0, 0, 1, \"extra\"]")]
    [TestCase("[\"s\", \"\", \"  \", [], {}, null, null, null, null, null, 0, 1, 2, 0, 0, 0, 0, 0, 0, 1]")]
    [TestCase("[\"s\", \"\", \"chat\", [], {}, null, null, null, null, null, 0, 99999999999999999999, 2, 0, 0, 0, 0, 0, 0, 1]")]
    [TestCase("[\"s\", \"\", \"chat\", [], {}, null, null, null, null, null, 0, 1, 2, 0, 0, 0, 0, 1e400, 0, 1]")]
    public void ParseSession_NotASessionRow_ThrowsSessionFormatException(string row)
    {
        var thrown = Assert.Throws<SessionFormatException>(() => PostgreSqlSessionStorage.ParseSession(row));
        Assert.That(thrown!.Message, Does.Contain("session row"));
    }
}
