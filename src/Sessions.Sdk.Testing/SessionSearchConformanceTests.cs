using Microsoft.Extensions.AI;
using NUnit.Framework;

namespace Sessions.Sdk.Testing;

/// <summary>Verifies that an <see cref="ISessionSearch"/> implementation follows the full-text search contract.</summary>
/// <remarks>
/// Inherit it unchanged in a sealed <c>[TestFixture]</c> class and implement <see cref="CreateStorageAsync"/>; the search
/// is the storage itself unless <see cref="GetSearch"/> is overridden. Sessions are written through the storage, every test
/// searches for a word of its own, so a shared database never has to be empty. Storages are disposed after each test.
/// </remarks>
public abstract class SessionSearchConformanceTests
{
    private static readonly DateTimeOffset BaseTime = new(2024, 6, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly List<ISessionStorage> _created = [];
    private ISessionStorage? _storage;
    private ISessionSearch? _search;

    /// <summary>Gets the storage created for the current test.</summary>
    /// <exception cref="InvalidOperationException">No test is running.</exception>
    protected ISessionStorage Storage => _storage ?? throw new InvalidOperationException("The storage is created in SetUp; use it from a test.");

    /// <summary>Gets the search under test for the current test.</summary>
    /// <exception cref="InvalidOperationException">No test is running.</exception>
    protected ISessionSearch Search => _search ?? throw new InvalidOperationException("The search is created in SetUp; use it from a test.");

    /// <summary>Creates the storage the sessions are written to; called once before every test.</summary>
    /// <returns>The storage.</returns>
    protected abstract ValueTask<ISessionStorage> CreateStorageAsync();

    /// <summary>Returns the search under test over <paramref name="storage"/>.</summary>
    /// <param name="storage">The storage created for the test.</param>
    /// <returns>The search; by default the storage itself.</returns>
    /// <exception cref="InvalidOperationException">The storage does not implement <see cref="ISessionSearch"/> and this method was not overridden.</exception>
    protected virtual ISessionSearch GetSearch(ISessionStorage storage) =>
        storage as ISessionSearch ?? throw new InvalidOperationException($"{storage?.GetType().Name} does not implement ISessionSearch; override GetSearch.");

    /// <summary>Waits until writes made so far are searchable, for engines that index asynchronously.</summary>
    /// <param name="storage">The storage.</param>
    /// <returns>A task that completes when the index is up to date; the default completes at once.</returns>
    protected virtual ValueTask WaitForIndexAsync(ISessionStorage storage) => ValueTask.CompletedTask;

    /// <summary>Disposes a storage created for a test.</summary>
    /// <param name="storage">The storage.</param>
    /// <returns>A task that completes when it is disposed.</returns>
    protected virtual async ValueTask DisposeStorageAsync(ISessionStorage storage)
    {
        if (storage is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        }
        else if (storage is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    /// <summary>Creates the storage and search for the next test.</summary>
    /// <returns>A task that completes when they exist.</returns>
    [SetUp]
    public async Task SetUpSearchAsync()
    {
        _storage = await CreateStorageAsync().ConfigureAwait(false);
        Assert.That(_storage, Is.Not.Null, "CreateStorageAsync returned null.");
        lock (_created) _created.Add(_storage);
        _search = GetSearch(_storage);
    }

    /// <summary>Disposes every storage the test created.</summary>
    /// <returns>A task that completes when they are disposed.</returns>
    [TearDown]
    public async Task TearDownSearchAsync()
    {
        ISessionStorage[] created;
        lock (_created)
        {
            created = [.. _created.Distinct()];
            _created.Clear();
        }

        _storage = null;
        _search = null;
        foreach (var storage in created) await DisposeStorageAsync(storage).ConfigureAwait(false);
    }

    /// <summary>Checks that a word in a message is found with the session, sequence, role, time and a highlighted snippet.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_WordInMessage_ReturnsMessageHit()
    {
        string word = NewWord();
        var session = await CreateAsync("Plain title", [("user", "nothing here"), ("assistant", $"the {word} is ready"), ("user", "thanks")]).ConfigureAwait(false);

        var hits = await SearchAllAsync(new SessionSearchQuery { Text = word }).ConfigureAwait(false);

        var hit = hits.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(hit.SessionId, Is.EqualTo(session.Id));
            Assert.That(hit.SessionTitle, Is.EqualTo("Plain title"));
            Assert.That(hit.Sequence, Is.EqualTo(2));
            Assert.That(hit.Role, Is.EqualTo("assistant"));
            Assert.That(hit.Timestamp, Is.EqualTo(BaseTime.AddMinutes(1)));
            Assert.That(hit.Snippet, Does.Contain($"[{word}]"));
        }
    }

    /// <summary>Checks that matching ignores case and the snippet keeps the text's own case.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_DifferentCase_MatchesIgnoringCase()
    {
        string word = NewWord();
        string upper = word.ToUpperInvariant();
        await CreateAsync("t", [("user", $"Shouting {upper} loudly")]).ConfigureAwait(false);

        var hits = await SearchAllAsync(new SessionSearchQuery { Text = word }).ConfigureAwait(false);
        var upperHits = await SearchAllAsync(new SessionSearchQuery { Text = upper }).ConfigureAwait(false);

        Assert.That(hits, Has.Count.EqualTo(1));
        Assert.That(upperHits, Has.Count.EqualTo(1));
        Assert.That(hits[0].Snippet, Does.Contain($"[{upper}]"));
    }

    /// <summary>Checks that every word of the query must occur in the same message.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_SeveralWords_AllMustOccur()
    {
        string word = NewWord();
        await CreateAsync("t", [("user", $"{word} apple"), ("user", $"{word} banana"), ("user", $"banana and {word} and apple")]).ConfigureAwait(false);

        var both = await SearchAllAsync(new SessionSearchQuery { Text = $"{word} apple banana" }).ConfigureAwait(false);
        var one = await SearchAllAsync(new SessionSearchQuery { Text = $"apple {word}" }).ConfigureAwait(false);

        Assert.That(both.Select(h => h.Sequence), Is.EqualTo(new long?[] { 3 }));
        Assert.That(one.Select(h => h.Sequence), Is.EquivalentTo(new long?[] { 1, 3 }));
        Assert.That(both[0].Snippet, Does.Contain($"[{word}]").And.Contain("[apple]").And.Contain("[banana]"));
    }

    /// <summary>Checks that the last word also matches as a prefix.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_LastWordPrefix_Matches()
    {
        string word = NewWord();
        await CreateAsync("t", [("user", $"look at {word} now")]).ConfigureAwait(false);

        var hits = await SearchAllAsync(new SessionSearchQuery { Text = word[..^3] }).ConfigureAwait(false);

        Assert.That(hits, Has.Count.EqualTo(1));
        Assert.That(hits[0].Snippet, Does.Contain("[" + word));
    }

    /// <summary>Checks that titles are searched (hits without a sequence or role) unless turned off.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_WordInTitle_ReturnsTitleHitUnlessExcluded()
    {
        string word = NewWord();
        var session = await CreateAsync($"Trip to {word}", [("user", "no match in messages")]).ConfigureAwait(false);

        var hits = await SearchAllAsync(new SessionSearchQuery { Text = word }).ConfigureAwait(false);
        var withoutTitles = await SearchAllAsync(new SessionSearchQuery { Text = word, IncludeTitles = false }).ConfigureAwait(false);

        var hit = hits.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(hit.SessionId, Is.EqualTo(session.Id));
            Assert.That(hit.SessionTitle, Is.EqualTo($"Trip to {word}"));
            Assert.That(hit.Sequence, Is.Null);
            Assert.That(hit.Role, Is.Null);
            Assert.That(hit.Snippet, Does.Contain($"[{word}]"));
            Assert.That(withoutTitles, Is.Empty);
        }
    }

    /// <summary>Checks that a session must carry every requested tag.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_Tags_SessionMustCarryEvery()
    {
        string word = NewWord();
        var both = await CreateAsync("t", [("user", word)], tags: ["red", "Blue"]).ConfigureAwait(false);
        var redOnly = await CreateAsync("t", [("user", word)], tags: ["red"]).ConfigureAwait(false);
        await CreateAsync("t", [("user", word)]).ConfigureAwait(false);

        var red = await SearchAllAsync(new SessionSearchQuery { Text = word, Tags = ["red"] }).ConfigureAwait(false);
        var redBlue = await SearchAllAsync(new SessionSearchQuery { Text = word, Tags = ["red", "blue"] }).ConfigureAwait(false);

        Assert.That(red.Select(h => h.SessionId), Is.EquivalentTo(new[] { both.Id, redOnly.Id }));
        Assert.That(redBlue.Select(h => h.SessionId), Is.EqualTo(new[] { both.Id }));
    }

    /// <summary>Checks the kind and provider filters.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_KindAndProvider_Filter()
    {
        string word = NewWord();
        var plan = await CreateAsync("t", [("user", word)], kind: SessionKind.Plan, provider: "openai").ConfigureAwait(false);
        var chat = await CreateAsync("t", [("user", word)], kind: SessionKind.Chat, provider: "anthropic").ConfigureAwait(false);

        var plans = await SearchAllAsync(new SessionSearchQuery { Text = word, Kind = SessionKind.Plan }).ConfigureAwait(false);
        var anthropic = await SearchAllAsync(new SessionSearchQuery { Text = word, ProviderName = "anthropic" }).ConfigureAwait(false);
        var none = await SearchAllAsync(new SessionSearchQuery { Text = word, Kind = SessionKind.Plan, ProviderName = "anthropic" }).ConfigureAwait(false);

        Assert.That(plans.Select(h => h.SessionId), Is.EqualTo(new[] { plan.Id }));
        Assert.That(anthropic.Select(h => h.SessionId), Is.EqualTo(new[] { chat.Id }));
        Assert.That(none, Is.Empty);
    }

    /// <summary>Checks the date filters on message time: lower bound inclusive, upper bound exclusive.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_DateRange_LowerInclusiveUpperExclusive()
    {
        string word = NewWord();
        await CreateAsync("t", [("user", $"{word} one"), ("user", $"{word} two"), ("user", $"{word} three")]).ConfigureAwait(false);

        var middle = await SearchAllAsync(new SessionSearchQuery { Text = word, IncludeTitles = false, From = BaseTime.AddMinutes(1), To = BaseTime.AddMinutes(2) }).ConfigureAwait(false);
        var from = await SearchAllAsync(new SessionSearchQuery { Text = word, IncludeTitles = false, From = BaseTime.AddMinutes(1) }).ConfigureAwait(false);
        var to = await SearchAllAsync(new SessionSearchQuery { Text = word, IncludeTitles = false, To = BaseTime.AddMinutes(1) }).ConfigureAwait(false);

        Assert.That(middle.Select(h => h.Sequence), Is.EqualTo(new long?[] { 2 }));
        Assert.That(from.Select(h => h.Sequence), Is.EquivalentTo(new long?[] { 2, 3 }));
        Assert.That(to.Select(h => h.Sequence), Is.EqualTo(new long?[] { 1 }));
    }

    /// <summary>Checks that more occurrences rank higher and scores never increase down the list.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_Ranking_MoreOccurrencesFirstAndScoresDescending()
    {
        string word = NewWord();
        await CreateAsync("t", [
            ("user", $"{word} alpha beta gamma delta epsilon zeta eta"),
            ("user", $"{word} alpha {word} beta {word} gamma {word} delta"),
            ("user", $"{word} alpha {word} beta gamma delta epsilon zeta"),
        ]).ConfigureAwait(false);

        var hits = await SearchAllAsync(new SessionSearchQuery { Text = word }).ConfigureAwait(false);

        Assert.That(hits.Select(h => h.Sequence), Is.EqualTo(new long?[] { 2, 3, 1 }));
        Assert.That(hits.Select(h => h.Score), Is.Ordered.Descending);
    }

    /// <summary>Checks that a snippet of a long message is a short excerpt around the match.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_LongMessage_SnippetIsShortExcerptAroundMatch()
    {
        string word = NewWord();
        string filler = string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet ", 60));
        string text = filler + $"the {word} appears here " + filler;
        await CreateAsync("t", [("user", text)]).ConfigureAwait(false);

        var hit = (await SearchAllAsync(new SessionSearchQuery { Text = word }).ConfigureAwait(false)).Single();

        Assert.That(hit.Snippet, Does.Contain($"[{word}]"));
        Assert.That(hit.Snippet.Length, Is.LessThan(600), "a snippet is an excerpt, not the message");
        Assert.That(hit.Snippet.Length, Is.GreaterThan(word.Length + 10), "a snippet shows context around the match");
    }

    /// <summary>Checks that custom highlight markers are used.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_CustomMarkers_WrapMatches()
    {
        string word = NewWord();
        await CreateAsync("t", [("user", $"see {word} here")]).ConfigureAwait(false);

        var hit = (await SearchAllAsync(new SessionSearchQuery { Text = word, HighlightStart = "<mark>", HighlightEnd = "</mark>" }).ConfigureAwait(false)).Single();

        Assert.That(hit.Snippet, Does.Contain($"<mark>{word}</mark>"));
        Assert.That(hit.Snippet, Does.Not.Contain($"[{word}]"));
    }

    /// <summary>Checks that skip and take page through the hits without gaps or repeats.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_SkipTake_PagesWithoutGapsOrRepeats()
    {
        string word = NewWord();
        await CreateAsync("t", [.. Enumerable.Range(0, 4).Select(i => ("user", $"{word} first session {i}"))]).ConfigureAwait(false);
        await CreateAsync("t", [.. Enumerable.Range(0, 3).Select(i => ("assistant", $"{word} second session {i}"))]).ConfigureAwait(false);

        var all = await SearchAllAsync(new SessionSearchQuery { Text = word, Take = 100 }).ConfigureAwait(false);
        var paged = new List<SessionSearchHit>();
        for (int skip = 0; skip < 7; skip += 2)
        {
            var page = await SearchAllAsync(new SessionSearchQuery { Text = word, Skip = skip, Take = 2 }).ConfigureAwait(false);
            Assert.That(page, Has.Count.EqualTo(Math.Min(2, 7 - skip)));
            paged.AddRange(page);
        }

        Assert.That(all, Has.Count.EqualTo(7));
        Assert.That(paged.Select(Key), Is.EqualTo(all.Select(Key)));
        Assert.That(paged.Select(Key).Distinct().Count(), Is.EqualTo(7));
        Assert.That(await SearchAllAsync(new SessionSearchQuery { Text = word, Skip = 7 }).ConfigureAwait(false), Is.Empty);
        Assert.That(await SearchAllAsync(new SessionSearchQuery { Text = word, Take = 3 }).ConfigureAwait(false), Has.Count.EqualTo(3));

        static string Key(SessionSearchHit h) => $"{h.SessionId}#{h.Sequence}";
    }

    /// <summary>Checks that query-syntax characters are treated as plain text, never as engine syntax.</summary>
    /// <param name="pattern">The query, with <c>{0}</c> standing for the word.</param>
    /// <returns>A task that completes when the test is done.</returns>
    [TestCase("\"{0}\"")]
    [TestCase("{0}*")]
    [TestCase("({0})")]
    [TestCase("{0}:")]
    [TestCase("-{0}")]
    [TestCase("+{0}^")]
    [TestCase("'{0}'")]
    [TestCase("{0} ;--")]
    [TestCase("{0} \" unbalanced")]
    [TestCase("%{0}%")]
    public async Task SearchAsync_QuerySyntaxCharacters_TreatedAsText(string pattern)
    {
        string word = NewWord();
        await CreateAsync("t", [("user", $"a {word} b \" unbalanced")]).ConfigureAwait(false);

        var hits = await SearchAllAsync(new SessionSearchQuery { Text = string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, word) }).ConfigureAwait(false);

        Assert.That(hits, Has.Count.EqualTo(1));
    }

    /// <summary>Checks that empty or blank text is rejected with <see cref="ArgumentException"/>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>A task that completes when the test is done.</returns>
    [TestCase("")]
    [TestCase("   ")]
    [TestCase("\t\n")]
    public async Task SearchAsync_EmptyText_ThrowsArgumentException(string text)
    {
        await ConformanceAssert.CatchAsync<ArgumentException>(() => SearchAllAsync(new SessionSearchQuery { Text = text })).ConfigureAwait(false);
    }

    /// <summary>Checks that a null query is rejected.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_NullQuery_ThrowsArgumentNullException()
    {
        await ConformanceAssert.ThrowsAsync<ArgumentNullException>(() => SearchAllAsync(null!)).ConfigureAwait(false);
    }

    /// <summary>Checks that a word nobody wrote finds nothing.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_NoMatch_ReturnsEmpty()
    {
        await CreateAsync("t", [("user", "some ordinary text")]).ConfigureAwait(false);

        Assert.That(await SearchAllAsync(new SessionSearchQuery { Text = NewWord() }).ConfigureAwait(false), Is.Empty);
    }

    /// <summary>Checks that the index follows appends, replacements, title updates and deletes.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_AfterChanges_FollowsStoredData()
    {
        string oldWord = NewWord(), newWord = NewWord(), appended = NewWord(), titleWord = NewWord();
        var session = await CreateAsync("t", [("user", oldWord)]).ConfigureAwait(false);

        session = await Storage.ReplaceMessagesAsync(session.Id, [Message("user", newWord, 0)], session.Version).ConfigureAwait(false);
        await Storage.AppendMessagesAsync(session.Id, [Message("assistant", appended, 1)]).ConfigureAwait(false);
        await Storage.UpdateAsync(session with { Title = $"now {titleWord}" }).ConfigureAwait(false);
        await WaitForIndexAsync(Storage).ConfigureAwait(false);

        Assert.That(await SearchAllAsync(new SessionSearchQuery { Text = oldWord }).ConfigureAwait(false), Is.Empty, "replaced text must not be found");
        Assert.That((await SearchAllAsync(new SessionSearchQuery { Text = newWord }).ConfigureAwait(false)).Select(h => h.Sequence), Is.EqualTo(new long?[] { 1 }));
        Assert.That((await SearchAllAsync(new SessionSearchQuery { Text = appended }).ConfigureAwait(false)).Select(h => h.Sequence), Is.EqualTo(new long?[] { 2 }));
        Assert.That((await SearchAllAsync(new SessionSearchQuery { Text = titleWord }).ConfigureAwait(false)).Select(h => h.Sequence), Is.EqualTo(new long?[] { null }));

        await Storage.DeleteAsync(session.Id).ConfigureAwait(false);
        await WaitForIndexAsync(Storage).ConfigureAwait(false);

        Assert.That(await SearchAllAsync(new SessionSearchQuery { Text = newWord }).ConfigureAwait(false), Is.Empty, "deleted sessions must not be found");
        Assert.That(await SearchAllAsync(new SessionSearchQuery { Text = titleWord }).ConfigureAwait(false), Is.Empty, "deleted titles must not be found");
    }

    /// <summary>Checks that several matching messages in one session give one hit each.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_SeveralMessagesOfOneSession_OneHitEach()
    {
        string word = NewWord();
        var session = await CreateAsync("t", [("user", $"{word} question"), ("assistant", $"{word} answer"), ("tool", "other")]).ConfigureAwait(false);

        var hits = await SearchAllAsync(new SessionSearchQuery { Text = word }).ConfigureAwait(false);

        Assert.That(hits.Select(h => (h.SessionId, h.Sequence, h.Role)), Is.EquivalentTo(new[] { (session.Id, (long?)1, "user"), (session.Id, (long?)2, "assistant") }));
    }

    /// <summary>Checks that an already-cancelled token throws <see cref="OperationCanceledException"/>.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task SearchAsync_CancelledToken_ThrowsOperationCanceled()
    {
        string word = NewWord();
        await CreateAsync("t", [("user", word)]).ConfigureAwait(false);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync().ConfigureAwait(false);

        await ConformanceAssert.CatchAsync<OperationCanceledException>(() => SearchAllAsync(new SessionSearchQuery { Text = word }, cts.Token)).ConfigureAwait(false);
    }

    /// <summary>Creates a word no other test or data set contains: <c>zq</c> and consonants, unchanged by stemmers.</summary>
    /// <returns>The word.</returns>
    protected static string NewWord()
    {
        const string Letters = "bcdfghjklmnpqrtvwxz";
        Span<char> chars = stackalloc char[12];
        chars[0] = 'z';
        chars[1] = 'q';
        for (int i = 2; i < chars.Length; i++) chars[i] = Letters[Random.Shared.Next(Letters.Length)];
        return new string(chars);
    }

    /// <summary>Runs a search and collects every hit.</summary>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The hits, in the order returned.</returns>
    protected async Task<List<SessionSearchHit>> SearchAllAsync(SessionSearchQuery query, CancellationToken cancellationToken = default)
    {
        var hits = new List<SessionSearchHit>();
        await foreach (var hit in Search.SearchAsync(query, cancellationToken).ConfigureAwait(false)) hits.Add(hit);
        return hits;
    }

    private static SessionMessage Message(string role, string text, int index) => new()
    {
        Message = new ChatMessage(new ChatRole(role), text),
        Timestamp = BaseTime.AddMinutes(index),
    };

    private async Task<SessionInfo> CreateAsync(string title, (string Role, string Text)[] messages, string[]? tags = null, SessionKind? kind = null, string? provider = null)
    {
        var session = new SessionInfo
        {
            Id = $"cs-{Guid.NewGuid():N}",
            Title = title,
            Tags = tags ?? [],
            Kind = kind ?? SessionKind.Chat,
            ProviderName = provider,
            CreatedAt = BaseTime,
            UpdatedAt = BaseTime,
        };
        var created = await Storage.CreateAsync(session, [.. messages.Select((m, i) => Message(m.Role, m.Text, i))]).ConfigureAwait(false);
        await WaitForIndexAsync(Storage).ConfigureAwait(false);
        return created;
    }
}
