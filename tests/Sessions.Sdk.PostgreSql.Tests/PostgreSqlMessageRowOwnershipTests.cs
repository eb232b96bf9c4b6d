using Microsoft.Extensions.AI;
using Npgsql;

namespace Sessions.Sdk.Tests;

/// <summary>Message rows without a foreign key (schema version 7): deleting and purging remove a session's rows themselves, no row is
/// left behind by a delete racing appends, a trashed session keeps its rows, and the migration keeps every row of an older schema.</summary>
[TestFixture]
[Category("Integration")]
public sealed class PostgreSqlMessageRowOwnershipTests
{
    private const string Empty = "{}";
    private static readonly DateTimeOffset Time = new(2024, 6, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly PostgreSqlSchemas _schemas = new("rows");

    [OneTimeSetUp]
    public void Connect() => _schemas.Connect();

    [OneTimeTearDown]
    public Task DropSchemas() => _schemas.DropAsync();

    [Test]
    public async Task DeleteAsync_SessionWithMessages_RemovesItsRowsAndTheIdStartsAfresh()
    {
        string schema = NewSchema();
        await using var storage = PostgreSqlTestDatabase.CreateStorage(_schemas.DataSource, schema);
        await storage.CreateAsync(Session("gone"), [Message(0, "first words")]);
        await storage.AppendMessagesAsync("gone", [Message(1, "second words"), Message(2, "third words")]);
        await storage.CreateAsync(Session("kept"), [Message(0, "kept words")]);

        bool deleted = await storage.DeleteAsync("gone");
        long left = await RowsAsync(schema, "gone");
        await storage.CreateAsync(Session("gone"), [Message(0, "a new beginning")]);
        var messages = await storage.GetMessagesAsync("gone", MessageRange.All);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(deleted, Is.True);
            Assert.That(left, Is.Zero);
            Assert.That(messages.Select(m => (m.Sequence, m.Text)), Is.EqualTo(new[] { (1L, "a new beginning") }));
            Assert.That(await RowsAsync(schema, "kept"), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task DeleteAsync_TrashedSession_KeepsItsRowsUntilPurged()
    {
        string schema = NewSchema();
        await using var storage = PostgreSqlTestDatabase.CreateStorage(_schemas.DataSource, schema);
        await storage.CreateAsync(Session("binned"), [Message(0, "one"), Message(1, "two")]);
        await storage.TrashAsync("binned");

        bool deletedWhileTrashed = await storage.DeleteAsync("binned");
        long rowsWhileTrashed = await RowsAsync(schema, "binned");
        await storage.RestoreAsync("binned");
        var restored = await storage.GetMessagesAsync("binned", MessageRange.All);
        await storage.TrashAsync("binned");
        bool purged = await storage.PurgeAsync("binned");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(deletedWhileTrashed, Is.False);
            Assert.That(rowsWhileTrashed, Is.EqualTo(2));
            Assert.That(restored.Select(m => m.Text), Is.EqualTo(new[] { "one", "two" }));
            Assert.That(purged, Is.True);
            Assert.That(await RowsAsync(schema, "binned"), Is.Zero);
            Assert.That(await storage.ExistsAsync("binned"), Is.False);
        }
    }

    [Test]
    public async Task DeleteAsync_WhileAnotherInstanceAppends_LeavesNoRowBehind()
    {
        string schema = NewSchema();
        await using var storage = PostgreSqlTestDatabase.CreateStorage(_schemas.DataSource, schema);
        await using var otherSource = PostgreSqlTestDatabase.CreateDataSource();
        await using var other = PostgreSqlTestDatabase.CreateStorage(otherSource, schema);
        int appended = 0;
        for (int round = 0; round < 5; round++)
        {
            string id = $"raced-{round}";
            await storage.CreateAsync(Session(id), []);
            using var stop = new CancellationTokenSource();
            var appender = Task.Run(async () =>
            {
                for (int i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        await other.AppendMessagesAsync(id, [Message(i, $"message {i}")]);
                        appended++;
                    }
                    catch (SessionNotFoundException)
                    {
                        return;
                    }
                }
            });
            while (await RowsAsync(schema, id) < 3) await Task.Delay(1);

            Assert.That(await storage.DeleteAsync(id), Is.True);
            await stop.CancelAsync();
            await appender;
            Assert.That(await RowsAsync(schema, id), Is.Zero, $"rows of {id} left after its delete");
        }

        TestContext.Out.WriteLine($"5 deletes raced {appended} appends; no message row outlived its session");
    }

    [Test]
    public async Task Migration7_SchemaAtVersion6WithData_DropsTheForeignKeyAndKeepsEveryRow()
    {
        string schema = NewSchema();
        await using (var old = PostgreSqlTestDatabase.CreateStorage(_schemas.DataSource, schema))
        {
            Assert.That(await old.MigrateAsync(6, CancellationToken.None), Is.EqualTo(6));
        }

        // Rows as version 6 held them (a store of this version would migrate on first use, so they are written here).
        await InsertVersion6SessionAsync(schema, "old-a", Message(0, "the lighthouse of Pharos"), Message(1, "stood for centuries"));
        await InsertVersion6SessionAsync(schema, "old-b", Message(0, "hanging gardens"), Message(1, "of Babylon"));
        long foreignKeysBefore = await ForeignKeysAsync(schema);
        await using var storage = PostgreSqlTestDatabase.CreateStorage(_schemas.DataSource, schema);
        var a = await storage.GetMessagesAsync("old-a", MessageRange.All);
        var b = await storage.GetMessagesAsync("old-b", MessageRange.All);
        var hits = new List<SessionSearchHit>();
        await foreach (var hit in storage.SearchAsync(new SessionSearchQuery { Text = "lighthouse" })) hits.Add(hit);
        var appended = await storage.AppendMessagesAsync("old-a", [Message(2, "until earthquakes")]);
        bool deleted = await storage.DeleteAsync("old-b");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(foreignKeysBefore, Is.EqualTo(1));
            Assert.That(await ForeignKeysAsync(schema), Is.Zero);
            Assert.That(await PostgreSqlTestDatabase.ScalarAsync<int>(_schemas.DataSource, $"SELECT max(version) FROM \"{schema}\".schema_migrations"), Is.EqualTo(PostgreSqlSchema.LatestVersion));
            Assert.That(a.Select(m => m.Text), Is.EqualTo(new[] { "the lighthouse of Pharos", "stood for centuries" }));
            Assert.That(b.Select(m => m.Text), Is.EqualTo(new[] { "hanging gardens", "of Babylon" }));
            Assert.That(hits.Select(h => (h.SessionId, h.Sequence)), Is.EqualTo(new[] { ("old-a", (long?)1) }));
            Assert.That(appended.Single().Sequence, Is.EqualTo(3));
            Assert.That((await storage.GetAsync("old-a"))!.MessageCount, Is.EqualTo(3));
            Assert.That(deleted, Is.True);
            Assert.That(await RowsAsync(schema, "old-b"), Is.Zero);
        }
    }

    private async Task InsertVersion6SessionAsync(string schema, string id, params SessionMessage[] messages)
    {
        await PostgreSqlTestDatabase.ExecuteAsync(_schemas.DataSource, $"""
            INSERT INTO "{schema}".sessions (id, title, title_norm, kind, kind_norm, tags, tags_norm, metadata, message_count, created_ticks, updated_ticks,
                size_bytes, input_tokens, output_tokens, total_tokens, cost, requests, version, title_tsv)
            VALUES ('{id}', '', '', 'chat', 'CHAT', ARRAY[]::text[], ARRAY[]::text[], '{Empty}', {messages.Length}, {Time.UtcTicks}, {Time.UtcTicks}, 0, 0, 0, 0, 0, 0, {messages.Length + 1}, '')
            """);
        for (int i = 0; i < messages.Length; i++)
        {
            var message = messages[i] with { Sequence = i + 1 };
            await using var insert = _schemas.DataSource.CreateCommand($"""
                INSERT INTO "{schema}".messages (session_id, seq, role, ts_ticks, payload, content, tsv) VALUES ($1, $2, $3, $4, $5, $6, $7::tsvector)
                """);
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = i + 1 });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = message.Role.Value });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = message.Timestamp.UtcTicks });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = SessionJson.SerializeMessageToString(message) });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = message.Text });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgreSqlSessionStorage.SearchVector(message.Text) });
            await insert.ExecuteNonQueryAsync();
        }
    }

    private static SessionInfo Session(string id) => new() { Id = id, CreatedAt = Time, UpdatedAt = Time };

    private static SessionMessage Message(int index, string text) => new()
    {
        Message = new ChatMessage(index % 2 == 0 ? ChatRole.User : ChatRole.Assistant, text),
        Timestamp = Time.AddSeconds(index),
    };

    private string NewSchema() => _schemas.New();

    private Task<long> RowsAsync(string schema, string sessionId) =>
        PostgreSqlTestDatabase.ScalarAsync<long>(_schemas.DataSource, $"SELECT count(*) FROM \"{schema}\".messages WHERE session_id = '{sessionId}'");

    private Task<long> ForeignKeysAsync(string schema) =>
        PostgreSqlTestDatabase.ScalarAsync<long>(_schemas.DataSource, $"SELECT count(*) FROM pg_constraint WHERE conrelid = '\"{schema}\".messages'::regclass AND contype = 'f'");
}
