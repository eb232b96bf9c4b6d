using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

/// <summary>Tests the forward-only numbered migrations of the SQLite store.</summary>
[TestFixture]
public sealed class SqliteSchemaTests : SqliteDatabaseTests
{
    [Test]
    public async Task Migrate_FreshDatabase_AppliesEveryMigrationOnceInWalMode()
    {
        using var store = Database.CreateStore();

        Assert.That(await store.ExistsAsync("anything"), Is.False);

        using var raw = Database.OpenRaw();
        Assert.That(Scalar(raw, "PRAGMA journal_mode"), Is.EqualTo("wal"));
        Assert.That(Versions(raw), Is.EqualTo(Enumerable.Range(1, SqliteSchema.LatestVersion).Select(v => (long)v)));
        Assert.That(Tables(raw), Is.SupersetOf(new[] { "sessions", "session_messages", "session_messages_fts", "session_titles_fts", SqliteSchema.VersionTable }));
    }

    [Test]
    public async Task Migrate_SecondStoreOnSameFile_AppliesNothing()
    {
        using (var first = Database.CreateStore())
        {
            await first.CreateAsync(Session("one", "first"), [Message("hello")]);
        }

        using var second = Database.CreateStore();
        var info = await second.GetAsync("one");

        Assert.That(info!.Title, Is.EqualTo("first"));
        using var raw = Database.OpenRaw();
        Assert.That(Versions(raw), Has.Count.EqualTo(SqliteSchema.LatestVersion));
    }

    [Test]
    public async Task Migrate_DatabaseAtSchemaOne_UpgradesWithDataIntactAndSearchable()
    {
        // A database as the first schema left it: base tables only, rows written in the v1 layout, no FTS index.
        using (var raw = Database.OpenRaw())
        {
            SqliteSchema.Migrate(raw, DateTimeOffset.UnixEpoch, targetVersion: 1);
            Assert.That(Versions(raw), Is.EqualTo(new long[] { 1 }));
            Execute(raw, """
                INSERT INTO sessions (id, title, kind, tags, metadata, system_prompt, provider, model, parent_id, branched_at, message_count,
                    created_at, updated_at, size_bytes, usage_input, usage_output, usage_total, usage_cost, usage_requests, version)
                VALUES ('legacy', 'Quarterly zeppelin review', 'chat', '["old"]', '{"owner":"ada"}', NULL, 'openai', 'gpt-x', NULL, NULL, 2,
                    $created, $created, 0, 10, 5, 15, '0.25', 1, 3)
                """, ("$created", new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).UtcTicks));
            InsertV1Message(raw, 1, "user", "Where is the marmalade archive?");
            InsertV1Message(raw, 2, "assistant", "The marmalade archive moved to shelf nine.");
            Assert.That(Tables(raw), Does.Not.Contain("session_messages_fts"));
        }

        SqliteConnection.ClearAllPools();
        using var store = Database.CreateStore();
        var info = await store.GetAsync("legacy");
        var messages = await store.GetMessagesAsync("legacy", MessageRange.All);
        var hits = await ToListAsync(store.SearchAsync(new SessionSearchQuery { Text = "marmalade archive" }));
        var titleHits = await ToListAsync(store.SearchAsync(new SessionSearchQuery { Text = "zeppelin" }));
        var appended = await store.AppendMessagesAsync("legacy", [Message("thanks")]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(info!.Title, Is.EqualTo("Quarterly zeppelin review"));
            Assert.That(info.Tags, Is.EqualTo(new[] { "old" }));
            Assert.That(info.Metadata["owner"], Is.EqualTo("ada"));
            Assert.That(info.Usage, Is.EqualTo(new SessionUsage { InputTokens = 10, OutputTokens = 5, TotalTokens = 15, Cost = 0.25m, Requests = 1 }));
            Assert.That(info.Version, Is.EqualTo(3));
            Assert.That(messages.Select(m => m.Text), Is.EqualTo(new[] { "Where is the marmalade archive?", "The marmalade archive moved to shelf nine." }));
            Assert.That(messages.Select(m => m.Sequence), Is.EqualTo(new long[] { 1, 2 }));
            Assert.That(hits.Select(h => h.Sequence), Is.EquivalentTo(new long?[] { 1, 2 }));
            Assert.That(titleHits.Single().Sequence, Is.Null);
            Assert.That(appended.Single().Sequence, Is.EqualTo(3));
        }

        using var check = Database.OpenRaw();
        Assert.That(Versions(check), Is.EqualTo(Enumerable.Range(1, SqliteSchema.LatestVersion).Select(v => (long)v)));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Migrate_ManyInstancesAtOnce_MigrateOnceAndAllWork()
    {
        const int instances = 8;
        var stores = Enumerable.Range(0, instances).Select(_ => Database.CreateStore()).ToArray();
        using var start = new ManualResetEventSlim();

        var work = stores.Select((store, i) => Task.Run(async () =>
        {
            start.Wait();
            await store.CreateAsync(Session($"s{i}", $"instance {i}"), [Message($"from {i}")]);
            return await store.GetAsync($"s{i}");
        })).ToArray();
        start.Set();
        var created = await Task.WhenAll(work);

        Assert.That(created.Select(c => c!.Title), Is.EquivalentTo(Enumerable.Range(0, instances).Select(i => $"instance {i}")));
        using var raw = Database.OpenRaw();
        Assert.That(Versions(raw), Is.EqualTo(Enumerable.Range(1, SqliteSchema.LatestVersion).Select(v => (long)v)));
        Assert.That(Scalar(raw, "SELECT count(*) FROM sessions"), Is.EqualTo(instances));
    }

    [Test]
    public async Task Open_NewerSchemaThanLibrary_ThrowsSessionFormatExceptionAndChangesNothing()
    {
        using (var first = Database.CreateStore())
        {
            await first.CreateAsync(Session("kept", "kept"), [Message("still here")]);
        }

        int newer = SqliteSchema.LatestVersion + 7;
        using (var raw = Database.OpenRaw())
        {
            Execute(raw, $"INSERT INTO {SqliteSchema.VersionTable} (version, name, applied_at) VALUES ($v, 'from the future', 'later')", ("$v", newer));
        }

        using var store = Database.CreateStore();
        var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await store.GetAsync("kept"));
        await Assert.ThrowsAsync<SessionFormatException>(async () => await store.AppendMessagesAsync("kept", [Message("no")]));

        Assert.That(ex!.Message, Does.Contain(newer.ToString(CultureInfo.InvariantCulture)).And.Contain("Upgrade"));
        using var check = Database.OpenRaw();
        Assert.That(Versions(check).Max(), Is.EqualTo(newer));
        Assert.That(Scalar(check, "SELECT count(*) FROM session_messages"), Is.EqualTo(1));
    }

    [Test]
    public void Migrations_AreNumberedAndNamed()
    {
        Assert.That(SqliteSchema.Migrations, Has.Count.GreaterThanOrEqualTo(2));
        Assert.That(SqliteSchema.Migrations.Select(m => m.Name), Is.All.Not.Empty);
        Assert.That(SqliteSchema.LatestVersion, Is.EqualTo(SqliteSchema.Migrations.Count));
    }

    [Test]
    public async Task QueryPlans_RangeReadAndListing_UseIndexes()
    {
        using (var store = Database.CreateStore())
        {
            await store.CreateAsync(Session("plan", "p"), [Message("x")]);
        }

        using var raw = Database.OpenRaw();
        string range = Plan(raw, "SELECT seq, payload FROM session_messages WHERE session_pk = 1 AND seq > 10 AND seq <= 30 ORDER BY seq");
        string list = Plan(raw, "SELECT * FROM sessions ORDER BY updated_at DESC, id ASC LIMIT 20 OFFSET 40");
        string byId = Plan(raw, "SELECT pk, message_count FROM sessions WHERE id = 'plan'");

        TestContext.Out.WriteLine($"range: {range}\nlist: {list}\nby id: {byId}");
        Assert.That(range, Does.Contain("SEARCH session_messages USING INDEX").And.Not.Contain("TEMP B-TREE"));
        Assert.That(list, Does.Contain("INDEX sessions_updated_at").And.Not.Contain("TEMP B-TREE"));
        Assert.That(byId, Does.Contain("SEARCH sessions USING INDEX"));
    }

    private static SessionInfo Session(string id, string title) =>
        new() { Id = id, Title = title, CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch };

    private static SessionMessage Message(string text) =>
        new() { Message = new ChatMessage(ChatRole.User, text), Timestamp = DateTimeOffset.UnixEpoch };

    private static void InsertV1Message(SqliteConnection raw, long seq, string role, string text)
    {
        var message = new SessionMessage { Sequence = seq, Message = new ChatMessage(new ChatRole(role), text), Timestamp = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero) };
        Execute(raw, "INSERT INTO session_messages (session_pk, seq, role, ts, text, payload) VALUES ((SELECT pk FROM sessions WHERE id = 'legacy'), $seq, $role, $ts, $text, $payload)",
            ("$seq", seq), ("$role", role), ("$ts", message.Timestamp.UtcTicks), ("$text", text), ("$payload", SessionJson.SerializeMessage(message)));
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source) list.Add(item);
        return list;
    }

    private static List<long> Versions(SqliteConnection raw)
    {
        using var command = raw.CreateCommand();
        command.CommandText = $"SELECT version FROM {SqliteSchema.VersionTable} ORDER BY version";
        using var reader = command.ExecuteReader();
        var versions = new List<long>();
        while (reader.Read()) versions.Add(reader.GetInt64(0));
        return versions;
    }

    private static List<string> Tables(SqliteConnection raw)
    {
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read()) names.Add(reader.GetString(0));
        return names;
    }

    private static string Plan(SqliteConnection raw, string sql)
    {
        using var command = raw.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        using var reader = command.ExecuteReader();
        var plan = new StringBuilder();
        while (reader.Read()) plan.Append(reader.GetString(3)).Append("; ");
        return plan.ToString();
    }

    private static object? Scalar(SqliteConnection raw, string sql)
    {
        using var command = raw.CreateCommand();
        command.CommandText = sql;
        var value = command.ExecuteScalar();
        return value is long l ? (int)l : value;
    }

    private static void Execute(SqliteConnection raw, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = raw.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        command.ExecuteNonQuery();
    }
}
