using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

/// <summary>Tests SQLite-specific behaviour of the store beyond the shared conformance suite.</summary>
[TestFixture]
public sealed class SqliteSessionStorageTests : SqliteDatabaseTests
{
    [Test]
    public async Task AppendMessagesAsync_StoresSharedJsonPayloadAndExtractedText()
    {
        using var store = Database.CreateStore();
        await store.CreateAsync(Session("p"), []);

        await store.AppendMessagesAsync("p", [Message(ChatRole.Assistant, "stored as shared JSON")]);

        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT seq, role, text, payload FROM session_messages";
        using var reader = command.ExecuteReader();
        Assert.That(reader.Read(), Is.True);
        var payload = SessionJson.DeserializeMessage((byte[])reader.GetValue(3), "p");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(reader.GetInt64(0), Is.EqualTo(1));
            Assert.That(reader.GetString(1), Is.EqualTo("assistant"));
            Assert.That(reader.GetString(2), Is.EqualTo("stored as shared JSON"));
            Assert.That(payload.Sequence, Is.EqualTo(1));
            Assert.That(payload.Text, Is.EqualTo("stored as shared JSON"));
        }
    }

    [Test]
    public async Task GetMessagesAsync_CorruptPayload_ThrowsSessionFormatExceptionNamingSessionAndOthersStillLoad()
    {
        using var store = Database.CreateStore();
        await store.CreateAsync(Session("broken"), [Message(ChatRole.User, "a")]);
        await store.CreateAsync(Session("healthy"), [Message(ChatRole.User, "b")]);
        using (var raw = Database.OpenRaw())
        using (var command = raw.CreateCommand())
        {
            command.CommandText = "UPDATE session_messages SET payload = x'7b227631' WHERE session_pk = (SELECT pk FROM sessions WHERE id = 'broken')";
            command.ExecuteNonQuery();
        }

        var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await store.GetMessagesAsync("broken", MessageRange.All));

        Assert.That(ex!.SessionId, Is.EqualTo("broken"));
        Assert.That((await store.GetMessagesAsync("healthy", MessageRange.All)).Single().Text, Is.EqualTo("b"));
        Assert.That(await ToListAsync(store.ListAsync(SessionQuery.All)), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Operations_FileIsNotADatabase_ThrowSessionStorageExceptionWithSqliteInner()
    {
        await File.WriteAllBytesAsync(Database.FilePath, Enumerable.Repeat((byte)0x5A, 8192).ToArray());
        using var store = Database.CreateStore();

        var ex = await Assert.ThrowsAsync<SessionStorageException>(async () => await store.GetAsync("x"));

        Assert.That(ex!.InnerException, Is.InstanceOf<SqliteException>());
        Assert.That(ex.Message, Does.Contain(Database.FilePath));
    }

    [Test]
    public async Task Operations_CancelledToken_ThrowOperationCanceledExceptionUnwrapped()
    {
        using var store = Database.CreateStore();
        await store.CreateAsync(Session("c"), []);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        Assert.That(async () => await store.AppendMessagesAsync("c", [Message(ChatRole.User, "x")], cts.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(async () => await store.GetAsync("c", cts.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(async () => await ToListAsync(store.SearchAsync(new SessionSearchQuery { Text = "x" }, cts.Token)), Throws.InstanceOf<OperationCanceledException>());
        Assert.That((await store.GetAsync("c"))!.MessageCount, Is.Zero);
    }

    [Test]
    public async Task Open_MissingDirectory_IsCreated()
    {
        string path = Path.Combine(Database.Directory, "nested", "deeper", "sessions.db");
        using var store = Database.CreateStore($"Data Source={path}");

        await store.CreateAsync(Session("n"), []);

        Assert.That(File.Exists(path), Is.True);
    }

    [Test]
    public async Task Open_SharedInMemoryDatabase_Works()
    {
        string name = "mem-" + Guid.NewGuid().ToString("N");
        using var keepAlive = new SqliteConnection($"Data Source={name};Mode=Memory;Cache=Shared");
        keepAlive.Open();
        using var store = Database.CreateStore($"Data Source={name};Mode=Memory;Cache=Shared");

        await store.CreateAsync(Session("m"), [Message(ChatRole.User, "in memory")]);

        Assert.That((await store.GetMessagesAsync("m", MessageRange.Last(1))).Single().Text, Is.EqualTo("in memory"));
    }

    [Test]
    public async Task GetMessagesAsync_LastOfLongSession_ReadsOnlyTheTail()
    {
        using var store = Database.CreateStore();
        var messages = Enumerable.Range(1, 2000).Select(i => Message(ChatRole.User, $"n{i}")).ToArray();
        await store.CreateAsync(Session("long"), messages);

        var last = await store.GetMessagesAsync("long", MessageRange.Last(3));
        var slice = await store.GetMessagesAsync("long", MessageRange.Slice(1000, 2));
        var skipFromEnd = await store.GetMessagesAsync("long", new MessageRange(5, 2, fromEnd: true));

        Assert.That(last.Select(m => m.Sequence), Is.EqualTo(new long[] { 1998, 1999, 2000 }));
        Assert.That(slice.Select(m => m.Text), Is.EqualTo(new[] { "n1001", "n1002" }));
        Assert.That(skipFromEnd.Select(m => m.Sequence), Is.EqualTo(new long[] { 1994, 1995 }));
    }

    [Test]
    public async Task Writes_ManyOperations_KeepFullTextIndexInSync()
    {
        using var store = Database.CreateStore();
        for (int i = 0; i < 20; i++)
        {
            var created = await store.CreateAsync(Session($"s{i}", $"title {i}"), [Message(ChatRole.User, $"first {i}")]);
            await store.AppendMessagesAsync(created.Id, [Message(ChatRole.Assistant, $"second {i}")]);
            if (i % 3 == 0) await store.ReplaceMessagesAsync(created.Id, [Message(ChatRole.User, $"replaced {i}")], (await store.GetAsync(created.Id))!.Version);
            if (i % 4 == 0) await store.UpdateAsync(created with { Title = $"renamed {i}", Version = (await store.GetAsync(created.Id))!.Version });
            if (i % 5 == 0) await store.DeleteAsync(created.Id);
        }

        // Appends leave their rows to the indexer; the first search indexes them, after which the index must match the rows exactly.
        var renamed = await ToListAsync(store.SearchAsync(new SessionSearchQuery { Text = "renamed" }));
        var replaced = await ToListAsync(store.SearchAsync(new SessionSearchQuery { Text = "replaced" }));
        var stale = await ToListAsync(store.SearchAsync(new SessionSearchQuery { Text = "first 3" }));
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "INSERT INTO session_messages_fts(session_messages_fts, rank) VALUES ('integrity-check', 1); " +
            "INSERT INTO session_titles_fts(session_titles_fts, rank) VALUES ('integrity-check', 1)";
        Assert.DoesNotThrow(() => command.ExecuteNonQuery());
        Assert.That(renamed.Select(h => h.SessionId), Is.EquivalentTo(new[] { "s4", "s8", "s12", "s16" }));
        Assert.That(replaced.Select(h => h.SessionId), Is.EquivalentTo(new[] { "s3", "s6", "s9", "s12", "s18" }));
        Assert.That(stale, Is.Empty);
    }

    [Test]
    public async Task ListAsync_OrdinalIgnoreCaseBeyondAscii_MatchesLikeSessionQuery()
    {
        using var store = Database.CreateStore();
        await store.CreateAsync(Session("u1", "ÜBERSICHT der Woche") with { Tags = ["Straße"] }, []);
        await store.CreateAsync(Session("u2", "other") with { Tags = ["x"] }, []);

        var byTitle = await ToListAsync(store.ListAsync(new SessionQuery { TitleContains = "übersicht" }));
        var byTag = await ToListAsync(store.ListAsync(new SessionQuery { Tag = "STRASSE" }));
        var byTagExact = await ToListAsync(store.ListAsync(new SessionQuery { Tag = "straße" }));

        Assert.That(byTitle.Select(s => s.Id), Is.EqualTo(new[] { "u1" }));
        Assert.That(byTag, Is.Empty, "ordinal-ignore-case does not fold ß to SS, like SessionQuery.Matches");
        Assert.That(byTagExact.Select(s => s.Id), Is.EqualTo(new[] { "u1" }));
    }

    [Test]
    public void Constructor_InvalidOptions_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Database.CreateStore("Data Source=:memory:"));
    }

    [Test]
    public async Task FullSynchronousOption_AppliesToConnections()
    {
        using var store = Database.CreateStore(configure: o => o.Synchronous = SqliteSynchronousMode.Full);
        await store.CreateAsync(Session("f"), [Message(ChatRole.User, "durable")]);

        Assert.That(store.ConnectionSetting("PRAGMA synchronous"), Is.EqualTo(2L));
        Assert.That(store.ConnectionSetting("PRAGMA busy_timeout"), Is.EqualTo(5000L));
        Assert.That(store.ConnectionSetting("PRAGMA foreign_keys"), Is.EqualTo(1L));
    }

    private static SessionInfo Session(string id, string title = "t") =>
        new() { Id = id, Title = title, CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch };

    private static SessionMessage Message(ChatRole role, string text) =>
        new() { Message = new ChatMessage(role, text), Timestamp = DateTimeOffset.UnixEpoch };

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source) list.Add(item);
        return list;
    }
}
