using Microsoft.Extensions.AI;
using Npgsql;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Issues 9 and 15 on PostgreSQL: message rows carry checksums verified on read (bit flips are a typed exception, never
/// altered data), rows from before checksums stay readable, damaged rows are named and salvaged, replacements racing appends lose
/// nothing, a search right after appends finds them all, and opening an up-to-date schema never runs the migrator. Suites print
/// their figures.</summary>
[TestFixture]
[Category("Integration")]
public sealed class PostgreSqlHardeningTests
{
    private static readonly DateTimeOffset Time = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private readonly PostgreSqlSchemaFixture _fixture = new("hard");

    private PostgreSqlSessionStorage Storage => _fixture.Shared;

    private NpgsqlDataSource DataSource => _fixture.DataSource;

    private string Schema => _fixture.Schema;

    [OneTimeSetUp]
    public void CreateSchema() => _fixture.Create();

    [OneTimeTearDown]
    public Task DropSchema() => _fixture.DropAsync();

    /// <summary>RELIABILITY.md "Replace racing appends" on PostgreSQL: ≥ 200 races, 0 acknowledged appends lost. Prints its figures.</summary>
    [Test]
    public async Task ReplaceRacingAppends_TwoHundredRaces_NothingLost()
    {
        string id = NewId("race");
        await Storage.CreateAsync(Session(id), [Message(ChatRole.User, "seed")]);

        var figures = await SessionStorageConformanceTests.RaceReplaceAgainstAppendsAsync(Storage, id, races: 200, CancellationToken.None);

        await TestContext.Out.WriteLineAsync($"replace racing appends (PostgreSQL): {figures}");
        Assert.That(figures.Lost, Is.Zero);
        Assert.That(figures.Races, Is.GreaterThanOrEqualTo(200));
        Assert.That(figures.Replaced, Is.GreaterThan(0));
    }

    /// <summary>RELIABILITY.md "Bit flips" on PostgreSQL: ≥ 300 single-bit flips in stored message JSON, made with SQL; every read
    /// returns the original message or a <see cref="SessionFormatException"/> naming session and sequence. Prints its figures.</summary>
    [Test]
    public async Task BitFlips_ThreeHundredInStoredJson_OriginalOrTypedExceptionNeverAltered()
    {
        string id = NewId("flips");
        await Storage.CreateAsync(Session(id), []);
        var random = new Random(9);
        const int count = 20;
        for (int i = 0; i < count; i++)
        {
            string text = string.Concat(Enumerable.Range(0, 120).Select(_ => "abcdefghij klmnopqrstuvwxyz.,"[random.Next(29)]));
            await Storage.AppendMessagesAsync(id, [Message(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, text)]);
        }

        var originals = (await Storage.GetMessagesAsync(id, MessageRange.All)).ToDictionary(m => m.Sequence, Json);
        int flips = 0, reads = 0, intact = 0, detected = 0, altered = 0, untyped = 0, misnamed = 0;
        for (int f = 0; f < 300; f++)
        {
            long seq = random.Next(1, count + 1);
            string payload = await PayloadAsync(id, seq);
            Assert.That(payload.All(char.IsAscii), "the fixture's JSON is ASCII, so one character is one byte");
            int position = random.Next(payload.Length);
            int mask = 1 << random.Next(7); // bit 7 would make the byte invalid UTF-8, which PostgreSQL's text refuses
            if (payload[position] == mask) mask = 1 << ((random.Next(6) + 1 + (int)Math.Log2(mask)) % 7); // never NUL
            await using (var flip = DataSource.CreateCommand(
                $"UPDATE \"{Schema}\".messages SET payload = overlay(payload placing chr(ascii(substr(payload, $3, 1)) # $4) from $3 for 1) WHERE session_id = $1 AND seq = $2"))
            {
                flip.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
                flip.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
                flip.Parameters.Add(new NpgsqlParameter<int> { TypedValue = position + 1 });
                flip.Parameters.Add(new NpgsqlParameter<int> { TypedValue = mask });
                Assert.That(await flip.ExecuteNonQueryAsync(), Is.EqualTo(1));
            }

            flips++;
            Assert.That(await PayloadAsync(id, seq), Is.Not.EqualTo(payload), "the flip changed the stored JSON");
            foreach (var range in new[] { MessageRange.All, MessageRange.Slice((int)seq - 1, 1) })
            {
                reads++;
                try
                {
                    var read = await Storage.GetMessagesAsync(id, range);
                    if (read.All(m => originals[m.Sequence] == Json(m))) intact++;
                    else altered++;
                }
                catch (SessionFormatException ex)
                {
                    detected++;
                    if (ex.SessionId != id || ex.Sequence != seq) misnamed++;
                }
                catch (Exception)
                {
                    untyped++;
                }
            }

            await SetPayloadAsync(id, seq, payload);
        }

        await TestContext.Out.WriteLineAsync(
            $"bit flips (PostgreSQL): {flips} flips, {reads} reads: {intact} original, {detected} SessionFormatException, {altered} altered, {untyped} untyped, {misnamed} misnamed");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(flips, Is.GreaterThanOrEqualTo(300));
            Assert.That(altered, Is.Zero);
            Assert.That(untyped, Is.Zero);
            Assert.That(misnamed, Is.Zero);
            Assert.That(detected, Is.EqualTo(reads), "CRC-32C detects every single-bit error");
        }

        Assert.That((await Storage.GetMessagesAsync(id, MessageRange.All)).Select(Json), Is.EqualTo(originals.Values));
    }

    [Test]
    public async Task GetMessagesAsync_DamagedRow_NamesSessionAndSequenceAndOtherMessagesStayReadable()
    {
        string id = NewId("damaged");
        await Storage.CreateAsync(Session(id), [Message(ChatRole.User, "one")]);
        await Storage.AppendMessagesAsync(id, [Message(ChatRole.Assistant, "two"), Message(ChatRole.User, "three")]);
        string payload = await PayloadAsync(id, 2);
        await SetPayloadAsync(id, 2, payload.Replace("two", "TWO", StringComparison.Ordinal));

        var ex = await Assert.ThrowsAsync<SessionFormatException>(() => Storage.GetMessagesAsync(id, MessageRange.All).AsTask());
        var last = await Storage.GetMessagesAsync(id, MessageRange.Last(1));
        var first = await Storage.GetMessagesAsync(id, MessageRange.First(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ex!.SessionId, Is.EqualTo(id));
            Assert.That(ex.Sequence, Is.EqualTo(2));
            Assert.That(ex.Message, Does.Contain("sequence 2").And.Contain("checksum"));
            Assert.That(last.Single().Text, Is.EqualTo("three"));
            Assert.That(first.Single().Text, Is.EqualTo("one"));
        }
    }

    [Test]
    public async Task Upgrade_RowsWrittenBeforeChecksums_StayReadableAndNewRowsGetChecksums()
    {
        string schema = PostgreSqlTestDatabase.NewSchemaName("prechk");
        try
        {
            await using (var old = PostgreSqlTestDatabase.CreateStorage(DataSource, schema))
            {
                Assert.That(await old.MigrateAsync(4, CancellationToken.None), Is.EqualTo(4));
            }

            // A session and a message row exactly as schema version 4 held them: the payload carries its sequence, no checksum column.
            var legacy = new SessionMessage { Sequence = 1, Message = new ChatMessage(ChatRole.User, "from before checksums"), Timestamp = Time };
            await PostgreSqlTestDatabase.ExecuteAsync(DataSource, $"""
                INSERT INTO "{schema}".session_rows (id, title, title_norm, kind, kind_norm, tags, tags_norm, metadata, message_count, created_ticks, updated_ticks,
                    size_bytes, input_tokens, output_tokens, total_tokens, cost, requests, version, title_tsv, edit_version)
                VALUES ('legacy', '', '', 'chat', 'CHAT', ARRAY[]::text[], ARRAY[]::text[], '{"{}"}', 1, {Time.UtcTicks}, {Time.UtcTicks}, 10, 0, 0, 0, 0, 0, 1, ''::tsvector, 1)
                """);
            await using (var insert = DataSource.CreateCommand(
                $"INSERT INTO \"{schema}\".messages (session_id, seq, role, ts_ticks, payload, content, tsv) VALUES ('legacy', 1, 'user', {Time.UtcTicks}, $1, $2, to_tsvector('simple', $2))"))
            {
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = SessionJson.SerializeMessageToString(legacy) });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = legacy.Text });
                await insert.ExecuteNonQueryAsync();
            }

            await using var storage = PostgreSqlTestDatabase.CreateStorage(DataSource, schema);
            await storage.AppendMessagesAsync("legacy", [Message(ChatRole.Assistant, "after checksums")]);
            var messages = await storage.GetMessagesAsync("legacy", MessageRange.All);
            long withChecksum = await PostgreSqlTestDatabase.ScalarAsync<long>(DataSource, $"SELECT count(*) FROM \"{schema}\".messages WHERE checksum IS NOT NULL");
            long without = await PostgreSqlTestDatabase.ScalarAsync<long>(DataSource, $"SELECT count(*) FROM \"{schema}\".messages WHERE checksum IS NULL");

            using (Assert.EnterMultipleScope())
            {
                Assert.That(messages.Select(m => (m.Sequence, m.Text)), Is.EqualTo(new[] { (1L, "from before checksums"), (2L, "after checksums") }));
                Assert.That(withChecksum, Is.EqualTo(1));
                Assert.That(without, Is.EqualTo(1));
            }
        }
        finally
        {
            await PostgreSqlTestDatabase.DropSchemaAsync(DataSource, schema);
        }
    }

    [Test]
    public async Task Recovery_DamagedRows_ListedThenSalvagedWithACopyKept()
    {
        string healthy = NewId("healthy");
        string id = NewId("salvage");
        await Storage.CreateAsync(Session(healthy), [Message(ChatRole.User, "fine")]);
        await Storage.CreateAsync(Session(id), []);
        for (int i = 1; i <= 5; i++) await Storage.AppendMessagesAsync(id, [Message(ChatRole.User, $"m{i}")]);
        string damagedPayload = (await PayloadAsync(id, 3)).Replace("m3", "x3", StringComparison.Ordinal);
        await SetPayloadAsync(id, 3, damagedPayload);
        await SetPayloadAsync(id, 5, "{not json");

        var recovery = (ISessionRecovery)Storage;
        var damaged = await ToListAsync(recovery.ListDamagedAsync());
        var mine = damaged.Single(d => d.SessionId == id);
        var salvage = await recovery.SalvageAsync(mine.RecoveryId);
        var after = await Storage.GetMessagesAsync(id, MessageRange.All);
        var damagedAfter = await ToListAsync(recovery.ListDamagedAsync());
        long copies = await PostgreSqlTestDatabase.ScalarAsync<long>(DataSource, $"SELECT count(*) FROM \"{Schema}\".damaged_messages WHERE session_id = '{id}'");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(damaged.Select(d => d.SessionId), Does.Not.Contain(healthy));
            Assert.That(mine.Records.Select(r => r.Sequence), Is.EqualTo(new long?[] { 3, 5 }));
            Assert.That(mine.Reason, Does.Contain("sequence 3"));
            Assert.That(salvage.KeptMessages, Is.EqualTo(3));
            Assert.That(salvage.DroppedRecords.Select(r => r.Sequence), Is.EqualTo(new long?[] { 3, 5 }));
            Assert.That(salvage.BackupLocation, Does.Contain("damaged_messages"));
            Assert.That(salvage.Session.MessageCount, Is.EqualTo(3));
            Assert.That(after.Select(m => (m.Sequence, m.Text)), Is.EqualTo(new[] { (1L, "m1"), (2L, "m2"), (3L, "m4") }));
            Assert.That(damagedAfter.Select(d => d.SessionId), Does.Not.Contain(id));
            Assert.That(copies, Is.EqualTo(2));
        }

        await Assert.ThatAsync(() => recovery.SalvageAsync(NewId("missing")).AsTask(), Throws.InstanceOf<SessionNotFoundException>());
    }

    [Test]
    public async Task SearchAsync_RightAfterAppends_FindsEveryAppendedMessage()
    {
        string id = NewId("fresh");
        await Storage.CreateAsync(Session(id), []);
        string tag = "q" + Guid.NewGuid().ToString("N")[..10];
        const int count = 40;
        for (int i = 0; i < count; i++) await Storage.AppendMessagesAsync(id, [Message(ChatRole.User, $"burst {tag}w{i} {tag}")]);

        var all = await ToListAsync(Storage.SearchAsync(new SessionSearchQuery { Text = tag, Take = 1000, IncludeTitles = false }));
        int eachFound = 0;
        for (int i = 0; i < count; i++)
        {
            var hits = await ToListAsync(Storage.SearchAsync(new SessionSearchQuery { Text = $"{tag}w{i}", IncludeTitles = false }));
            if (hits.Any(h => h.SessionId == id && h.Sequence == i + 1)) eachFound++;
        }

        Assert.That(all.Where(h => h.SessionId == id).Select(h => h.Sequence).Order(), Is.EqualTo(Enumerable.Range(1, count).Select(i => (long?)i)));
        Assert.That(eachFound, Is.EqualTo(count));
    }

    [Test]
    public async Task Open_SchemaUpToDate_OneVersionQueryAndNoMigratorEvenWhileItsLockIsHeld()
    {
        await Storage.ExistsAsync("warm-up");

        // Hold the migrator's advisory lock: an instance that ran the migrator would wait for it.
        await using var holder = await DataSource.OpenConnectionAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock($1)", holder))
        {
            take.Parameters.Add(new NpgsqlParameter<long> { TypedValue = PostgreSqlSchema.AdvisoryLockKey(Schema) });
            await take.ExecuteNonQueryAsync();
        }

        await using var dataSource = PostgreSqlTestDatabase.CreateDataSource();
        await using var fresh = PostgreSqlTestDatabase.CreateStorage(dataSource, Schema);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var listed = await ToListAsync(fresh.ListAsync(SessionQuery.All, timeout.Token));

        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", holder))
        {
            release.Parameters.Add(new NpgsqlParameter<long> { TypedValue = PostgreSqlSchema.AdvisoryLockKey(Schema) });
            await release.ExecuteNonQueryAsync();
        }

        Assert.That(timeout.IsCancellationRequested, Is.False);
        Assert.That(listed, Is.Not.Null);
    }

    private static string NewId(string hint) => $"{hint}-{Guid.NewGuid():N}";

    private static SessionInfo Session(string id) => new() { Id = id, CreatedAt = Time, UpdatedAt = Time };

    private static SessionMessage Message(ChatRole role, string text) => new() { Message = new ChatMessage(role, text), Timestamp = Time };

    private static string Json(SessionMessage message) => SessionJson.SerializeMessageToString(message);

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items) list.Add(item);
        return list;
    }

    private async Task<string> PayloadAsync(string id, long seq)
    {
        await using var command = DataSource.CreateCommand($"SELECT payload FROM \"{Schema}\".messages WHERE session_id = $1 AND seq = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private async Task SetPayloadAsync(string id, long seq, string payload)
    {
        await using var command = DataSource.CreateCommand($"UPDATE \"{Schema}\".messages SET payload = $3 WHERE session_id = $1 AND seq = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = payload });
        await command.ExecuteNonQueryAsync();
    }
}
