using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Sessions.Sdk.Tests;

/// <summary>Checks what is specific to the PostgreSQL store: error translation, cancellation, hostile search text, stored format and registration.</summary>
[TestFixture]
[Category("Integration")]
public sealed class PostgreSqlSessionStorageTests
{
    private static readonly DateTimeOffset Time = new(2024, 5, 1, 8, 30, 0, TimeSpan.Zero);
    private NpgsqlDataSource? _dataSource;
    private PostgreSqlSessionStorage? _storage;
    private string _schema = string.Empty;

    private PostgreSqlSessionStorage Storage => _storage!;

    public static IEnumerable<TestCaseData> HostileSearchTexts()
    {
        var texts = new (string Name, string Text)[]
        {
            ("quote", "it's"),
            ("quotes", "'''"),
            ("backslash", "\\"),
            ("backslash-quote", "\\'"),
            ("tsquery-operators", "a & b | !c"),
            ("tsquery-phrase", "a <-> b <2> c"),
            ("tsquery-prefix", "abc:*"),
            ("tsquery-weights", "abc:AB"),
            ("parentheses", "((a) | (b)"),
            ("unbalanced", ")))((("),
            ("only-operators", "& | ! <->"),
            ("sql-injection", "x'); DROP TABLE sessions; --"),
            ("websearch", "\"unterminated phrase or -not"),
            ("nul", "a\0b"),
            ("control", "\u0001\u0002\u001f"),
            ("lone-surrogate", "ab\ud800cd"),
            ("emoji", "😀 👍🏽"),
            ("cjk", "会話"),
            ("rtl", "שלום"),
            ("percent", "100%"),
            ("like-wildcards", "_%_"),
            ("very-long-word", new string('q', 5000)),
            ("many-words", string.Join(' ', Enumerable.Range(0, 5000).Select(i => $"w{i}"))),
            ("huge", new string('x', 1_000_000)),
            ("sentinel-chars", "\uE000\uE001"),
        };
        foreach (var (name, text) in texts) yield return new TestCaseData(text).SetArgDisplayNames(name);
    }

    [OneTimeSetUp]
    public async Task CreateSchema()
    {
        _dataSource = PostgreSqlTestDatabase.CreateDataSource();
        _schema = PostgreSqlTestDatabase.NewSchemaName("store");
        _storage = PostgreSqlTestDatabase.CreateStorage(_dataSource, _schema);
        await _storage.CreateAsync(
            new SessionInfo { Id = "fixture", Title = "Quotes and operators", CreatedAt = Time, UpdatedAt = Time },
            [Message(ChatRole.User, "it's a test with a & b | c and abc:* and 100% of x'); DROP TABLE sessions; -- 会話 שלום")]);
    }

    [OneTimeTearDown]
    public async Task DropSchema()
    {
        if (_storage is not null) await _storage.DisposeAsync();
        if (_dataSource is not null)
        {
            await PostgreSqlTestDatabase.DropSchemaAsync(_dataSource, _schema);
            await _dataSource.DisposeAsync();
        }
    }

    [TestCaseSource(nameof(HostileSearchTexts))]
    public async Task SearchAsync_HostileText_ReturnsHitsOrArgumentExceptionOnly(string text)
    {
        Exception? caught = null;
        int hits = 0;
        try
        {
            await foreach (var hit in Storage.SearchAsync(new SessionSearchQuery { Text = text }))
            {
                Assert.That(hit.Snippet, Does.Not.Contain("\uE000").And.Not.Contain("\uE001"));
                hits++;
            }
        }
        catch (Exception ex)
        {
            caught = ex;
        }

        Assert.That(caught, Is.Null.Or.InstanceOf<ArgumentException>(), caught?.ToString());
        TestContext.Out.WriteLine($"{hits} hit(s), {(caught is null ? "no exception" : caught.GetType().Name)}");
    }

    [Test]
    public async Task SearchAsync_MarkersWithOptionSyntax_AppliedVerbatim()
    {
        var query = new SessionSearchQuery { Text = "operators", HighlightStart = "<mark class=\"a, b=c\">", HighlightEnd = "</mark>\"," };

        var hit = (await ToListAsync(Storage.SearchAsync(query))).Single();

        Assert.That(hit.Snippet, Is.EqualTo("Quotes and <mark class=\"a, b=c\">operators</mark>\","));
    }

    [Test]
    public async Task SearchAsync_PunctuatedQuery_MatchesWordsOfLettersAndDigits()
    {
        var hits = await ToListAsync(Storage.SearchAsync(new SessionSearchQuery { Text = "x'); DROP", IncludeTitles = false }));

        Assert.That(hits.Select(h => h.SessionId), Is.EqualTo(new[] { "fixture" }));
        Assert.That(hits[0].Snippet, Does.Contain("[x]").And.Contain("[DROP]"));
    }

    [TestCase("The quick brown fox jumps over the lazy dog")]
    [TestCase("Repeated words: a b a b a, and numbers 42 x1e5 v2 0x1F at the end")]
    [TestCase("MiXeD CaSe, punctuation!? (brackets) [and] {braces}; semi: colon")]
    [TestCase("")]
    public async Task SearchVector_OrdinaryText_IsTheVectorTheServersParserMakesOfTheSameWords(string text)
    {
        // The append sends its search vector ready-made (no to_tsvector on the server); rows written before were indexed by
        // to_tsvector('simple', words). Both must be the same vector, or old and new rows would rank and match differently.
        await using var command = _dataSource!.CreateCommand("SELECT $1::tsvector = to_tsvector('simple'::regconfig, lower($2)), $1::tsvector::text, to_tsvector('simple'::regconfig, lower($2))::text");
        command.Parameters.AddWithValue(PostgreSqlSessionStorage.SearchVector(text));
        command.Parameters.AddWithValue(text);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();

        Assert.That(reader.GetBoolean(0), Is.True, $"ours: {reader.GetString(1)}; server: {reader.GetString(2)}");
    }

    [Test]
    public void SearchVector_RepeatedAndLongWords_KeepsPostgreSqlLimits()
    {
        string text = string.Join(' ', Enumerable.Repeat("same", 300)) + " " + new string('l', 3000) + " tail";

        string vector = PostgreSqlSessionStorage.SearchVector(text);

        Assert.That(vector, Does.StartWith("'same':1,2,3,"));
        Assert.That(vector.Split(' ')[0].Split(':')[1].Split(','), Has.Length.EqualTo(255));
        Assert.That(vector, Does.Not.Contain("lll"));
        Assert.That(vector, Does.EndWith("'tail':302"));
    }

    [Test]
    public async Task SearchAsync_RowsIndexedByTheServersParser_AreStillFound()
    {
        // A row indexed the way schema versions up to 6 did it (to_tsvector on the server) is found by today's query.
        string id = "old-index-" + Guid.NewGuid().ToString("N");
        await Storage.CreateAsync(new SessionInfo { Id = id, CreatedAt = Time, UpdatedAt = Time }, [Message(ChatRole.User, "Vintage zanzibar Lexeme")]);
        await using (var command = _dataSource!.CreateCommand($"UPDATE \"{_schema}\".messages SET tsv = to_tsvector('simple'::regconfig, lower(content)) WHERE session_id = $1"))
        {
            command.Parameters.AddWithValue(id);
            Assert.That(await command.ExecuteNonQueryAsync(), Is.EqualTo(1));
        }

        var hits = await ToListAsync(Storage.SearchAsync(new SessionSearchQuery { Text = "ZANZIBAR lex", IncludeTitles = false }));

        Assert.That(hits.Select(h => (h.SessionId, h.Sequence)), Is.EqualTo(new[] { (id, (long?)1) }));
    }

    [Test]
    public async Task SearchAsync_RightAfterAppends_FindsEveryAppendedMessage()
    {
        string id = "burst-" + Guid.NewGuid().ToString("N");
        await Storage.CreateAsync(new SessionInfo { Id = id, CreatedAt = Time, UpdatedAt = Time }, []);
        for (int i = 0; i < 40; i++) await Storage.AppendMessagesAsync(id, [Message(ChatRole.User, $"burstword{i % 4} number {i}")]);

        var hits = await ToListAsync(Storage.SearchAsync(new SessionSearchQuery { Text = "burstword2", IncludeTitles = false, Take = 100 }));

        Assert.That(hits.Select(h => h.Sequence), Is.EquivalentTo(Enumerable.Range(0, 40).Where(i => i % 4 == 2).Select(i => (long?)(i + 1))));
    }

    [Test]
    public async Task AppendMessagesAsync_SingleAndBatchedAppendsMixed_NumberContiguouslyAndAddUpTheSessionRow()
    {
        // One message goes through the single-row statement, several through the batched one: both must keep the row exact.
        string id = "mixed-" + Guid.NewGuid().ToString("N");
        await Storage.CreateAsync(new SessionInfo { Id = id, CreatedAt = Time, UpdatedAt = Time }, []);
        var usage = new SessionUsage { InputTokens = 3, OutputTokens = 5, TotalTokens = 8, Cost = 0.25m, Requests = 1 };
        var one = await Storage.AppendMessagesAsync(id, [Message(ChatRole.User, "alpha") with { Usage = usage }]);
        var two = await Storage.AppendMessagesAsync(id, [Message(ChatRole.Assistant, "beta"), Message(ChatRole.User, "gamma") with { Usage = usage }]);
        var three = await Storage.AppendMessagesAsync(id, [Message(ChatRole.Assistant, "delta")]);

        Assert.That(one.Concat(two).Concat(three).Select(m => m.Sequence), Is.EqualTo(new long[] { 1, 2, 3, 4 }));
        var stored = await Storage.GetMessagesAsync(id, MessageRange.All);
        Assert.That(stored.Select(m => (m.Sequence, m.Text)), Is.EqualTo(new[] { (1L, "alpha"), (2L, "beta"), (3L, "gamma"), (4L, "delta") }));
        var info = await Storage.GetAsync(id);
        Assert.That(info!.MessageCount, Is.EqualTo(4));
        Assert.That(info.Usage.InputTokens, Is.EqualTo(6));
        Assert.That(info.Usage.Cost, Is.EqualTo(0.5m));
        Assert.That(info.Usage.Requests, Is.EqualTo(2));
        Assert.That(info.SizeBytes, Is.EqualTo(stored.Sum(m => (long)SessionJson.SerializeMessage(m with { Sequence = 0 }).Length)));
        var hits = await ToListAsync(Storage.SearchAsync(new SessionSearchQuery { Text = "delta", IncludeTitles = false, Take = 100 }));
        Assert.That(hits.Where(h => h.SessionId == id).Select(h => h.Sequence), Is.EqualTo(new long?[] { 4 }));
    }

    [Test]
    public async Task AppendMessagesAsync_StoredPayload_IsTheSharedMessageJsonWithItsChecksumAndTheSequenceColumn()
    {
        string id = "payload-" + Guid.NewGuid().ToString("N");
        await Storage.CreateAsync(new SessionInfo { Id = id, CreatedAt = Time, UpdatedAt = Time }, [Message(ChatRole.User, "one")]);
        await Storage.AppendMessagesAsync(id, [Message(ChatRole.Assistant, "two"), Message(ChatRole.User, "three")]);

        await using var command = _dataSource!.CreateCommand($"SELECT seq, payload, checksum FROM \"{_schema}\".messages WHERE session_id = '{id}' ORDER BY seq");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long Seq, string Payload, int Checksum)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2)));

        Assert.That(rows.Select(r => r.Seq), Is.EqualTo(new long[] { 1, 2, 3 }));
        foreach (var (seq, payload, checksum) in rows)
        {
            // Created rows carry their sequence; appended rows are serialized before SQL assigns it (the seq column holds it).
            Assert.That(payload, Does.StartWith($"{{\"v\":{SessionJson.CurrentSchemaVersion},\"seq\":{(seq == 1 ? 1 : 0)},"));
            Assert.That(unchecked((uint)checksum), Is.EqualTo(RecordChecksum.Crc32C(payload)));
        }

        var stored = await Storage.GetMessagesAsync(id, MessageRange.All);
        Assert.That(stored.Select(m => (m.Sequence, m.Text)), Is.EqualTo(new[] { (1L, "one"), (2L, "two"), (3L, "three") }));
    }

    [Test]
    public async Task AnyOperation_ServerUnreachable_ThrowsSessionStorageExceptionWithNpgsqlInner()
    {
        var unreachable = new NpgsqlConnectionStringBuilder(PostgreSqlTestDatabase.RequireConnectionString()) { Host = "127.0.0.1", Port = 1, Timeout = 3 };
        await using var dataSource = NpgsqlDataSource.Create(unreachable.ConnectionString);
        await using var storage = PostgreSqlTestDatabase.CreateStorage(dataSource, _schema);

        var ex = await Assert.ThrowsAsync<SessionStorageException>(() => storage.GetAsync("fixture").AsTask());

        Assert.That(ex!.InnerException, Is.InstanceOf<NpgsqlException>());
        Assert.That(ex.Message, Does.Contain("PostgreSQL"));
        Assert.That(ex.Message, Does.Not.Contain(unreachable.Password ?? "\u0000"));
    }

    [Test]
    public async Task AnyOperation_WrongPassword_ThrowsSessionStorageExceptionWithoutThePassword()
    {
        var wrong = new NpgsqlConnectionStringBuilder(PostgreSqlTestDatabase.RequireConnectionString()) { Password = "not-the-password-3f9a" };
        await using var dataSource = NpgsqlDataSource.Create(wrong.ConnectionString);
        await using var storage = PostgreSqlTestDatabase.CreateStorage(dataSource, _schema);

        var ex = await Assert.ThrowsAsync<SessionStorageException>(() => storage.ExistsAsync("fixture").AsTask());

        Assert.That(ex!.InnerException, Is.InstanceOf<NpgsqlException>());
        Assert.That(ex.ToString(), Does.Not.Contain("not-the-password-3f9a"));
    }

    [Test]
    public async Task AnyOperation_CanceledToken_ThrowsOperationCanceledException()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.CatchAsync<OperationCanceledException>(() => Storage.GetAsync("fixture", cts.Token).AsTask());
        await Assert.CatchAsync<OperationCanceledException>(() => Storage.AppendMessagesAsync("fixture", [Message(ChatRole.User, "x")], cts.Token).AsTask());
        await Assert.CatchAsync<OperationCanceledException>(() => Storage.GetMessagesAsync("fixture", MessageRange.All, cts.Token).AsTask());
        await Assert.CatchAsync<OperationCanceledException>(() => ToListAsync(Storage.SearchAsync(new SessionSearchQuery { Text = "test" }, cts.Token)));
        await Assert.CatchAsync<OperationCanceledException>(() => ToListAsync(Storage.ListAsync(SessionQuery.All, cts.Token)));
        Assert.That((await Storage.GetAsync("fixture"))!.MessageCount, Is.EqualTo(1));
    }

    [Test]
    public async Task AnyOperation_CanceledWhileServerIsBusy_ThrowsOperationCanceledException()
    {
        // Hold the session's row lock so the append waits in the server, then cancel it there.
        string id = "busy-" + Guid.NewGuid().ToString("N");
        await Storage.CreateAsync(new SessionInfo { Id = id, CreatedAt = Time, UpdatedAt = Time }, []);
        await using var connection = await _dataSource!.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand($"SELECT 1 FROM \"{_schema}\".sessions WHERE id = '{id}' FOR UPDATE", connection, transaction))
        {
            await lockRow.ExecuteNonQueryAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.CatchAsync<OperationCanceledException>(() => Storage.AppendMessagesAsync(id, [Message(ChatRole.User, "blocked")], cts.Token).AsTask());
        await transaction.RollbackAsync();

        Assert.That((await Storage.GetAsync(id))!.MessageCount, Is.Zero);
        Assert.That(await Storage.AppendMessagesAsync(id, [Message(ChatRole.User, "after")]), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task UsePostgreSqlStorage_DataSource_StorageWorksAndLeavesDataSourceOpen()
    {
        var services = new ServiceCollection();
        new TestBuilder(services).UsePostgreSqlStorage(_dataSource!, o => o.SchemaName = _schema);

        await using (var provider = services.BuildServiceProvider())
        {
            var storage = provider.GetRequiredService<ISessionStorage>();
            Assert.That(await storage.ExistsAsync("fixture"), Is.True);
        }

        Assert.That(await Storage.ExistsAsync("fixture"), Is.True, "the caller's data source must survive the provider");
    }

    [Test]
    public async Task CallersFullDataSourceWithResetOnClose_EveryKindOfOperationWorks()
    {
        // The tests run on the store's own slim data source; an application may pass a full one that resets connections.
        await using var dataSource = NpgsqlDataSource.Create(PostgreSqlTestDatabase.RequireConnectionString());
        await using var storage = PostgreSqlTestDatabase.CreateStorage(dataSource, _schema);
        string id = "full-" + Guid.NewGuid().ToString("N");

        var created = await storage.CreateAsync(
            new SessionInfo { Id = id, Title = "Full data source", Tags = ["a", "b"], Metadata = new Dictionary<string, string> { ["k"] = "v" }, CreatedAt = Time, UpdatedAt = Time },
            [Message(ChatRole.User, "first zebra")]);
        var appended = await storage.AppendMessagesAsync(id, [Message(ChatRole.Assistant, "second zebra"), Message(ChatRole.User, "third")]);
        var updated = await storage.UpdateAsync((await storage.GetAsync(id))! with { Title = "Renamed" });
        var messages = await storage.GetMessagesAsync(id, MessageRange.All);
        var hits = await ToListAsync(storage.SearchAsync(new SessionSearchQuery { Text = "zebra" }));
        var listed = await ToListAsync(storage.ListAsync(new SessionQuery { Tag = "b" }));

        Assert.That(created.MessageCount, Is.EqualTo(1));
        Assert.That(appended.Select(m => m.Sequence), Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(updated.Title, Is.EqualTo("Renamed"));
        Assert.That(messages.Select(m => m.Text), Is.EqualTo(new[] { "first zebra", "second zebra", "third" }));
        Assert.That(hits.Where(h => h.SessionId == id).Select(h => h.Sequence).Order(), Is.EqualTo(new long?[] { 1, 2 }));
        Assert.That(listed.Select(s => s.Id), Does.Contain(id));
        Assert.That(await storage.DeleteAsync(id), Is.True);
    }

    private static SessionMessage Message(ChatRole role, string text) => new() { Message = new ChatMessage(role, text), Timestamp = Time };

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source) list.Add(item);
        return list;
    }

    private sealed class TestBuilder(IServiceCollection services) : ISessionsBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
