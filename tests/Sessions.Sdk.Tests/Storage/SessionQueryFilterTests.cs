namespace Sessions.Sdk.Tests;

public sealed class SessionQueryFilterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static SessionInfo Info(string id, string title = "", int minutes = 0, long count = 0, params string[] tags) => new()
    {
        Id = id, Title = title, Tags = tags, CreatedAt = T0.AddMinutes(minutes), UpdatedAt = T0.AddMinutes(minutes), MessageCount = count,
        Metadata = new Dictionary<string, string> { ["customer"] = id },
        ProviderName = "openai", ModelId = "gpt",
    };

    [Test]
    public void Matches_EachFilter()
    {
        var s = Info("a1", "Order question", 5, 3, "Support");
        Assert.Multiple(() =>
        {
            Assert.That(new SessionQuery { TitleContains = "order" }.Matches(s), Is.True);
            Assert.That(new SessionQuery { TitleContains = "refund" }.Matches(s), Is.False);
            Assert.That(new SessionQuery { Tag = "support" }.Matches(s), Is.True);
            Assert.That(new SessionQuery { Tag = "sales" }.Matches(s), Is.False);
            Assert.That(new SessionQuery { Kind = SessionKind.Plan }.Matches(s), Is.False);
            Assert.That(new SessionQuery { Kind = SessionKind.Chat }.Matches(s), Is.True);
            Assert.That(new SessionQuery { ProviderName = "OpenAI" }.Matches(s), Is.True);
            Assert.That(new SessionQuery { ModelId = "other" }.Matches(s), Is.False);
            Assert.That(new SessionQuery { CreatedAfter = T0.AddMinutes(5) }.Matches(s), Is.True);
            Assert.That(new SessionQuery { CreatedBefore = T0.AddMinutes(5) }.Matches(s), Is.False);
            Assert.That(new SessionQuery { UpdatedAfter = T0.AddMinutes(6) }.Matches(s), Is.False);
            Assert.That(new SessionQuery { UpdatedBefore = T0.AddMinutes(6) }.Matches(s), Is.True);
            Assert.That(new SessionQuery { MetadataKey = "customer" }.Matches(s), Is.True);
            Assert.That(new SessionQuery { MetadataKey = "customer", MetadataValue = "a1" }.Matches(s), Is.True);
            Assert.That(new SessionQuery { MetadataKey = "customer", MetadataValue = "zz" }.Matches(s), Is.False);
            Assert.That(new SessionQuery { MetadataKey = "missing" }.Matches(s), Is.False);
        });
    }

    [Test]
    public void OrderAndPage_SortsWithIdTieBreakAndPages()
    {
        var sessions = new[] { Info("c", "beta", 1, 5), Info("a", "Alpha", 2, 5), Info("b", "alpha", 3, 1) };

        string Ids(SessionQuery q) => string.Join(",", q.OrderAndPage(sessions).Select(s => s.Id));

        Assert.Multiple(() =>
        {
            Assert.That(Ids(SessionQuery.All), Is.EqualTo("b,a,c"));
            Assert.That(Ids(new SessionQuery { Descending = false }), Is.EqualTo("c,a,b"));
            Assert.That(Ids(new SessionQuery { OrderBy = SessionSortField.Title, Descending = false }), Is.EqualTo("a,b,c"));
            Assert.That(Ids(new SessionQuery { OrderBy = SessionSortField.MessageCount, Descending = true }), Is.EqualTo("a,c,b"));
            Assert.That(Ids(new SessionQuery { OrderBy = SessionSortField.CreatedAt, Descending = false, Skip = 1, Take = 1 }), Is.EqualTo("a"));
        });
    }

    [Test]
    public void Matches_SearchQuery_RequiresEveryTagIgnoringCase()
    {
        var s = Info("a1", "Order question", 5, 3, "Support", "urgent");
        Assert.Multiple(() =>
        {
            Assert.That(new SessionSearchQuery { Text = "x" }.Matches(s), Is.True);
            Assert.That(new SessionSearchQuery { Text = "x", Tags = ["SUPPORT"] }.Matches(s), Is.True);
            Assert.That(new SessionSearchQuery { Text = "x", Tags = ["support", "Urgent"] }.Matches(s), Is.True);
            Assert.That(new SessionSearchQuery { Text = "x", Tags = ["support", "sales"] }.Matches(s), Is.False);
        });
    }

    [Test]
    public void InWindow_FromInclusiveToExclusive()
    {
        var query = new SessionSearchQuery { Text = "x", From = T0.AddMinutes(1), To = T0.AddMinutes(2) };
        Assert.Multiple(() =>
        {
            Assert.That(query.InWindow(T0), Is.False);
            Assert.That(query.InWindow(T0.AddMinutes(1)), Is.True);
            Assert.That(query.InWindow(T0.AddMinutes(2)), Is.False);
            Assert.That(new SessionSearchQuery { Text = "x" }.InWindow(DateTimeOffset.MinValue), Is.True);
        });
    }
}
