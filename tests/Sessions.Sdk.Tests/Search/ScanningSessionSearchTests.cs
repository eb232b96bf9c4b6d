using Microsoft.Extensions.AI;
using Moq;

namespace Sessions.Sdk.Tests;

public sealed class ScanningSessionSearchTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void Constructor_NullStorage_ThrowsArgumentNullException()
    {
        Assert.That(() => new ScanningSessionSearch(null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("storage"));
    }

    [TestCase("hello", new[] { "hello" })]
    [TestCase("  Hello, WORLD!  ", new[] { "Hello", "WORLD" })]
    [TestCase("a-b_c.d", new[] { "a", "b", "c", "d" })]
    [TestCase("dup Dup DUP x", new[] { "dup", "x" })]
    [TestCase("café 会話 x2", new[] { "café", "会話", "x2" })]
    [TestCase("\"quoted\" (group) *star* col:on", new[] { "quoted", "group", "star", "col", "on" })]
    [TestCase("!!! ... ---", new string[0])]
    [TestCase("", new string[0])]
    public void Tokenize_Text_ReturnsDistinctWords(string text, string[] expected)
    {
        Assert.That(ScanningSessionSearch.Tokenize(text), Is.EqualTo(expected));
    }

    [Test]
    public void Score_MissingWord_IsZero()
    {
        Assert.That(ScanningSessionSearch.Score("apple banana", ["apple", "cherry"]).Score, Is.Zero);
    }

    [Test]
    public void Score_WordsMatchWholeTokensExceptLastAsPrefix()
    {
        Assert.That(ScanningSessionSearch.Score("pineapple banana", ["apple", "ban"]).Score, Is.Zero, "apple is not a whole token of pineapple");
        Assert.That(ScanningSessionSearch.Score("apple banana", ["apple", "ban"]).Score, Is.GreaterThan(0));
        Assert.That(ScanningSessionSearch.Score("apple banana", ["app", "banana"]).Score, Is.Zero, "only the last word matches as a prefix");
    }

    [Test]
    public void Score_MoreOccurrencesAndShorterText_ScoreHigher()
    {
        double once = ScanningSessionSearch.Score("apple one two three", ["apple"]).Score;
        double twice = ScanningSessionSearch.Score("apple one apple three", ["apple"]).Score;
        double longer = ScanningSessionSearch.Score("apple " + string.Concat(Enumerable.Repeat("filler ", 200)), ["apple"]).Score;

        Assert.That(twice, Is.GreaterThan(once));
        Assert.That(once, Is.GreaterThan(longer));
    }

    [Test]
    public void Score_ReturnsPositionOfFirstMatch()
    {
        Assert.That(ScanningSessionSearch.Score("one two Apple", ["apple"]).FirstMatch, Is.EqualTo(8));
    }

    [Test]
    public void Snippet_ShortText_HighlightsEveryMatchKeepingCase()
    {
        const string Text = "Apple pie and apple juice";

        string snippet = ScanningSessionSearch.Snippet(Text, ["apple"], 0, "<b>", "</b>");

        Assert.That(snippet, Is.EqualTo("<b>Apple</b> pie and <b>apple</b> juice"));
    }

    [Test]
    public void Snippet_LongText_About160CharsAroundFirstMatchWithEllipses()
    {
        string filler = string.Concat(Enumerable.Repeat("lorem ipsum dolor ", 40));
        string text = filler + "the needle sits here " + filler;
        int first = text.IndexOf("needle", StringComparison.Ordinal);

        string snippet = ScanningSessionSearch.Snippet(text, ["needle"], first, "[", "]");

        Assert.That(snippet, Does.StartWith("…").And.EndWith("…"));
        Assert.That(snippet, Does.Contain("[needle]"));
        Assert.That(snippet.Length, Is.InRange(120, ScanningSessionSearch.SnippetLength + 4));
        Assert.That(snippet.TrimStart('…')[0], Is.Not.EqualTo(' '));
    }

    [Test]
    public void Snippet_MatchAtStart_NoLeadingEllipsis()
    {
        string text = "needle " + string.Concat(Enumerable.Repeat("word ", 100));

        string snippet = ScanningSessionSearch.Snippet(text, ["needle"], 0, "[", "]");

        Assert.That(snippet, Does.StartWith("[needle]").And.EndWith("…"));
    }

    [Test]
    public void Snippet_LineBreaks_CollapsedToSpaces()
    {
        Assert.That(ScanningSessionSearch.Snippet("line one\nneedle\r\nend", ["needle"], 9, "[", "]"), Is.EqualTo("line one [needle]  end"));
    }

    [Test]
    public void Snippet_PrefixMatch_HighlightsWholeToken()
    {
        Assert.That(ScanningSessionSearch.Snippet("an elephant", ["eleph"], 3, "[", "]"), Is.EqualTo("an [elephant]"));
    }

    [Test]
    public async Task SearchAsync_LargeSession_ReadsInPagesNeverAll()
    {
        var messages = Enumerable.Range(1, 600).Select(i => Message(i == 555 ? "the needle" : $"hay {i}", i)).ToArray();
        var ranges = new List<MessageRange>();
        var storage = StorageOver([Info("big", messages.Length)], (id, range) =>
        {
            ranges.Add(range);
            var (start, length) = range.Resolve(messages.Length);
            return messages.Skip((int)start).Take((int)length).ToArray();
        });

        var hits = await CollectAsync(new ScanningSessionSearch(storage), new SessionSearchQuery { Text = "needle" });

        Assert.That(hits.Single().Sequence, Is.EqualTo(555));
        Assert.That(ranges, Has.Count.EqualTo(3));
        Assert.That(ranges.Select(r => r.Take), Is.All.EqualTo(ScanningSessionSearch.PageSize));
        Assert.That(ranges.Select(r => r.Skip), Is.EqualTo(new[] { 0, 256, 512 }));
    }

    [Test]
    public async Task SearchAsync_ManySessions_ListsInPagesAndNeverReadsWhileListing()
    {
        var store = new MemorySessionStorage();
        for (int s = 0; s < 600; s++)
        {
            await store.CreateAsync(new SessionInfo { Id = $"s{s:D3}", CreatedAt = T0.AddSeconds(s), UpdatedAt = T0 }, [Message(s == 599 ? "needle" : "hay", 1)]);
        }

        bool listing = false;
        var queries = new List<SessionQuery>();
        var storage = new Mock<ISessionStorage>(MockBehavior.Strict);
        storage.Setup(s => s.ListAsync(It.IsAny<SessionQuery>(), It.IsAny<CancellationToken>()))
            .Returns((SessionQuery q, CancellationToken ct) =>
            {
                queries.Add(q);
                return Track(store.ListAsync(q, ct));
            });
        storage.Setup(s => s.GetMessagesAsync(It.IsAny<string>(), It.IsAny<MessageRange>(), It.IsAny<CancellationToken>()))
            .Returns((string id, MessageRange r, CancellationToken ct) =>
            {
                Assert.That(listing, Is.False, "messages must not be read while a listing is open");
                return store.GetMessagesAsync(id, r, ct);
            });

        var hits = await CollectAsync(new ScanningSessionSearch(storage.Object), new SessionSearchQuery { Text = "needle" });

        Assert.That(hits.Single().SessionId, Is.EqualTo("s599"));
        Assert.That(queries.Select(q => q.Skip), Is.EqualTo(new[] { 0, 256, 512 }));
        Assert.That(queries.Select(q => q.Take), Is.All.EqualTo(ScanningSessionSearch.ListPageSize));

        async IAsyncEnumerable<SessionInfo> Track(IAsyncEnumerable<SessionInfo> source)
        {
            listing = true;
            await foreach (var info in source) yield return info;
            listing = false;
        }
    }

    [Test]
    public async Task SearchAsync_EmptySession_NotRead()
    {
        bool read = false;
        var storage = StorageOver([Info("empty", 0)], (_, _) =>
        {
            read = true;
            return [];
        });

        await CollectAsync(new ScanningSessionSearch(storage), new SessionSearchQuery { Text = "x" });

        Assert.That(read, Is.False);
    }

    [Test]
    public async Task SearchAsync_SessionDeletedDuringScan_Skipped()
    {
        var storage = StorageOver([Info("gone", 3), Info("here", 1)], (id, _) =>
            id == "gone" ? throw new SessionNotFoundException(id) : [Message("needle", 1)]);

        var hits = await CollectAsync(new ScanningSessionSearch(storage), new SessionSearchQuery { Text = "needle" });

        Assert.That(hits.Select(h => h.SessionId), Is.EqualTo(new[] { "here" }));
    }

    [Test]
    public async Task SearchAsync_ManyHits_KeepsOnlyRequestedPageInBestOrder()
    {
        var store = new MemorySessionStorage();
        for (int s = 0; s < 30; s++)
        {
            string text = string.Join(' ', Enumerable.Repeat("needle", (s % 5) + 1)) + " filler words to pad";
            await store.CreateAsync(new SessionInfo { Id = $"s{s:D2}", CreatedAt = T0, UpdatedAt = T0 }, [Message(text, 1)]);
        }

        var search = new ScanningSessionSearch(store);
        var all = await CollectAsync(search, new SessionSearchQuery { Text = "needle", Take = 100 });
        var page = await CollectAsync(search, new SessionSearchQuery { Text = "needle", Skip = 5, Take = 5 });

        Assert.That(all, Has.Count.EqualTo(30));
        Assert.That(all.Select(h => h.Score), Is.Ordered.Descending);
        Assert.That(all.Take(6).Select(h => h.SessionId), Is.EqualTo(new[] { "s04", "s09", "s14", "s19", "s24", "s29" }), "ties broken by session id");
        Assert.That(page.Select(h => h.SessionId), Is.EqualTo(all.Skip(5).Take(5).Select(h => h.SessionId)));
    }

    [Test]
    public async Task SearchAsync_TitleAndMessageWithSameText_TitleRanksFirst()
    {
        var store = new MemorySessionStorage();
        await store.CreateAsync(new SessionInfo { Id = "a", Title = "needle notes", CreatedAt = T0, UpdatedAt = T0 }, [Message("needle notes", 1)]);

        var hits = await CollectAsync(new ScanningSessionSearch(store), new SessionSearchQuery { Text = "needle" });

        Assert.That(hits.Select(h => h.Sequence), Is.EqualTo(new long?[] { null, 1 }));
    }

    [Test]
    public async Task SearchAsync_TakeZero_ReturnsNothingWithoutScanning()
    {
        var storage = new Mock<ISessionStorage>(MockBehavior.Strict);

        var hits = await CollectAsync(new ScanningSessionSearch(storage.Object), new SessionSearchQuery { Text = "x", Take = 0 });

        Assert.That(hits, Is.Empty);
    }

    [Test]
    public void SearchAsync_InvalidQuery_ThrowsBeforeEnumeration()
    {
        var search = new ScanningSessionSearch(Mock.Of<ISessionStorage>());

        Assert.That(() => search.SearchAsync(null!), Throws.ArgumentNullException);
        Assert.That(() => search.SearchAsync(new SessionSearchQuery { Text = " ?! " }), Throws.ArgumentException.With.Property("ParamName").EqualTo("query"));
        Assert.That(() => search.SearchAsync(new SessionSearchQuery { Text = "x", Skip = -1 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => search.SearchAsync(new SessionSearchQuery { Text = "x", Take = -1 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public async Task SearchAsync_NonTextContents_NotSearched()
    {
        var store = new MemorySessionStorage();
        var call = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c", "needle_tool")]);
        await store.CreateAsync(new SessionInfo { Id = "a", CreatedAt = T0, UpdatedAt = T0 }, [new SessionMessage { Message = call, Timestamp = T0 }]);

        var hits = await CollectAsync(new ScanningSessionSearch(store), new SessionSearchQuery { Text = "needle" });

        Assert.That(hits, Is.Empty);
    }

    private static SessionInfo Info(string id, long count) => new() { Id = id, Title = id, MessageCount = count, CreatedAt = T0, UpdatedAt = T0 };

    private static SessionMessage Message(string text, long sequence) => new()
    {
        Sequence = sequence,
        Message = new ChatMessage(ChatRole.User, text),
        Timestamp = T0,
    };

    private static ISessionStorage StorageOver(SessionInfo[] sessions, Func<string, MessageRange, SessionMessage[]> read)
    {
        var storage = new Mock<ISessionStorage>(MockBehavior.Strict);
        storage.Setup(s => s.ListAsync(It.IsAny<SessionQuery>(), It.IsAny<CancellationToken>())).Returns(sessions.ToAsyncEnumerable());
        storage.Setup(s => s.GetMessagesAsync(It.IsAny<string>(), It.IsAny<MessageRange>(), It.IsAny<CancellationToken>()))
            .Returns((string id, MessageRange range, CancellationToken _) => ValueTask.FromResult<IReadOnlyList<SessionMessage>>(read(id, range)));
        return storage.Object;
    }

    private static async Task<List<SessionSearchHit>> CollectAsync(ISessionSearch search, SessionSearchQuery query)
    {
        var hits = new List<SessionSearchHit>();
        await foreach (var hit in search.SearchAsync(query)) hits.Add(hit);
        return hits;
    }
}
