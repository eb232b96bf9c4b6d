using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

/// <summary>Tests SQLite FTS5 search behaviour beyond the shared conformance suite: hostile text, markers, ranking, filters.</summary>
[TestFixture]
public sealed class SqliteSessionSearchTests
{
    private static readonly string[] HostileTexts =
    [
        "\"", "\"\"", "\"unterminated", "*", "**", "a*b", "^", "^start", "NEAR", "NEAR(a b, 3)", "a NEAR/2 b", "AND", "OR", "NOT",
        "a AND", "OR b", "NOT NOT", "(", ")", "((a)", "a)", "{a b}", "{", "title:", "text:x", "-", "-a", "+", "a + b", ":", ";",
        "'; DROP TABLE sessions; --", "\0", "a\0b", "\u0001\u001f", "\ud800", "\udc00x", "🚀 launch", "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
        "ｆｕｌｌｗｉｄｔｈ", "ℌ𝔢𝔩𝔩𝔬", "\u202Eevil", "%", "_", "\\", "/* */", "x' OR '1'='1", "rank:1", "rowid", "session_messages_fts",
        new string('a', 10_000), string.Join(' ', Enumerable.Repeat("word", 2_000)), string.Concat(Enumerable.Repeat("\"*^(", 500)),
    ];

    private SqliteTestDatabase _database = null!;
    private SqliteSessionStorage _store = null!;

    [OneTimeSetUp]
    public async Task CreateCorpus()
    {
        _database = new SqliteTestDatabase();
        _store = _database.CreateStore();
        var t0 = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
        await _store.CreateAsync(
            new SessionInfo { Id = "alpha", Title = "Kitchen renovation", Tags = ["home", "Project"], ProviderName = "openai", Kind = SessionKind.Plan, CreatedAt = t0, UpdatedAt = t0 },
            [
                Text(ChatRole.User, "How much does a walnut countertop cost?", t0),
                Text(ChatRole.Assistant, "A walnut countertop costs more than laminate; walnut walnut walnut is popular.", t0.AddDays(1)),
                Text(ChatRole.User, "And a café-style café table near the window?", t0.AddDays(2)),
            ]);
        await _store.CreateAsync(
            new SessionInfo { Id = "beta", Title = "Walnut orchard planning", Tags = ["farm"], ProviderName = "anthropic", CreatedAt = t0, UpdatedAt = t0 },
            [Text(ChatRole.User, "When do walnut trees fruit?", t0.AddDays(10))]);
    }

    [OneTimeTearDown]
    public void DeleteCorpus()
    {
        _store.Dispose();
        _database.Dispose();
    }

    [Test]
    public async Task SearchAsync_HostileText_NeverThrowsAndDatabaseStaysIntact()
    {
        int withHits = 0;
        foreach (string text in HostileTexts)
        {
            if (string.IsNullOrWhiteSpace(text)) continue;
            List<SessionSearchHit> hits = [];
            await Assert.DoesNotThrowAsync(async () => hits = await Collect(new SessionSearchQuery { Text = text }), $"text: {text[..Math.Min(40, text.Length)]}");
            if (hits.Count > 0) withHits++;
        }

        TestContext.Out.WriteLine($"{HostileTexts.Length} hostile texts searched, {withHits} returned hits, none threw");
        Assert.That(await _store.ExistsAsync("alpha"), Is.True);
        Assert.That(await Collect(new SessionSearchQuery { Text = "walnut" }), Is.Not.Empty);
    }

    [Test]
    public void SearchAsync_ArbitraryText_OnlyArgumentExceptionOrResults()
    {
        var property = Prop.ForAll(ArbMap.Default.ArbFor<string>(), text =>
        {
            try
            {
                _ = Collect(new SessionSearchQuery { Text = text ?? string.Empty }).GetAwaiter().GetResult();
                return true;
            }
            catch (ArgumentException)
            {
                return string.IsNullOrWhiteSpace(text);
            }
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), property);
    }

    [Test]
    public async Task SearchAsync_CustomMarkers_WrapMatchedTermsInSnippet()
    {
        var hits = await Collect(new SessionSearchQuery { Text = "laminate", HighlightStart = "<mark>", HighlightEnd = "</mark>" });

        Assert.That(hits.Single().Snippet, Does.Contain("<mark>laminate</mark>"));
        Assert.That(hits.Single().Snippet, Does.Not.Contain("[laminate]"));
    }

    [Test]
    public async Task SearchAsync_Bm25_RanksDenserMatchFirstWithHigherScore()
    {
        var hits = await Collect(new SessionSearchQuery { Text = "walnut", IncludeTitles = false });

        Assert.That(hits.First().SessionId, Is.EqualTo("alpha"));
        Assert.That(hits.First().Sequence, Is.EqualTo(2));
        Assert.That(hits.Select(h => h.Score), Is.Ordered.Descending);
    }

    [Test]
    public async Task SearchAsync_Titles_IncludedUnlessTurnedOff()
    {
        var with = await Collect(new SessionSearchQuery { Text = "orchard" });
        var without = await Collect(new SessionSearchQuery { Text = "orchard", IncludeTitles = false });

        Assert.That(with.Single().SessionId, Is.EqualTo("beta"));
        Assert.That(with.Single().Sequence, Is.Null);
        Assert.That(with.Single().Snippet, Is.EqualTo("Walnut [orchard] planning"));
        Assert.That(without, Is.Empty);
    }

    [Test]
    public async Task SearchAsync_Filters_NarrowBySessionAndMessageTime()
    {
        var t0 = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

        var byTag = await Collect(new SessionSearchQuery { Text = "walnut", Tags = ["PROJECT", "home"] });
        var byProvider = await Collect(new SessionSearchQuery { Text = "walnut", ProviderName = "Anthropic" });
        var byKind = await Collect(new SessionSearchQuery { Text = "walnut", Kind = SessionKind.Plan });
        var byTime = await Collect(new SessionSearchQuery { Text = "walnut", From = t0.AddDays(1), To = t0.AddDays(2), IncludeTitles = false });

        Assert.That(byTag.Select(h => h.SessionId).Distinct(), Is.EqualTo(new[] { "alpha" }));
        Assert.That(byProvider.Select(h => h.SessionId).Distinct(), Is.EqualTo(new[] { "beta" }));
        Assert.That(byKind.Select(h => h.SessionId).Distinct(), Is.EqualTo(new[] { "alpha" }));
        Assert.That(byTime.Select(h => h.Sequence), Is.EqualTo(new long?[] { 2 }));
    }

    [Test]
    public async Task SearchAsync_Paging_SkipsAndTakesInRankOrder()
    {
        var all = await Collect(new SessionSearchQuery { Text = "walnut", Take = 100 });
        var page = await Collect(new SessionSearchQuery { Text = "walnut", Skip = 1, Take = 2 });

        Assert.That(all, Has.Count.EqualTo(4));
        Assert.That(page.Select(h => (h.SessionId, h.Sequence)), Is.EqualTo(all.Skip(1).Take(2).Select(h => (h.SessionId, h.Sequence))));
    }

    [Test]
    public async Task SearchAsync_Diacritics_FoldedBothWays()
    {
        var plain = await Collect(new SessionSearchQuery { Text = "cafe" });
        var accented = await Collect(new SessionSearchQuery { Text = "CAFÉ" });

        Assert.That(plain.Single().Sequence, Is.EqualTo(3));
        Assert.That(accented.Single().Sequence, Is.EqualTo(3));
        Assert.That(plain.Single().Snippet, Does.Contain("[café]"));
    }

    [Test]
    public void SearchAsync_InvalidQuery_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentNullException>(() => _store.SearchAsync(null!));
        Assert.Throws<ArgumentException>(() => _store.SearchAsync(new SessionSearchQuery { Text = "  " }));
        Assert.Throws<ArgumentOutOfRangeException>(() => _store.SearchAsync(new SessionSearchQuery { Text = "x", Skip = -1 }));
    }

    private static SessionMessage Text(ChatRole role, string text, DateTimeOffset time) =>
        new() { Message = new ChatMessage(role, text), Timestamp = time };

    private async Task<List<SessionSearchHit>> Collect(SessionSearchQuery query)
    {
        var list = new List<SessionSearchHit>();
        await foreach (var hit in _store.SearchAsync(query)) list.Add(hit);
        return list;
    }
}
