using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>Issue 9 on SQLite: every message row carries the CRC-32C of its stored JSON, verified on read; a flipped bit is a
/// <see cref="SessionFormatException"/> naming session and sequence, never altered data; rows written before the checksum column
/// stay readable; damaged rows are listed and salvaged through <see cref="ISessionRecovery"/>. The bit-flip suite prints its figures.</summary>
[TestFixture]
public sealed class SqliteChecksumTests : SqliteDatabaseTests
{
    private static readonly DateTimeOffset T0 = new(2025, 5, 6, 7, 8, 9, TimeSpan.Zero);
    [Test]
    public async Task EveryWritePath_StoresTheCrc32cOfTheStoredJson()
    {
        using var store = Database.CreateStore();
        await store.CreateAsync(Session("c"), [Message("created"), Message("ünïcödé 🎉")]);
        await store.AppendMessagesAsync("c", [Message("appended one"), Message("appended two")]);
        await store.CreateAsync(Session("r"), [Message("old")]);
        await store.ReplaceMessagesAsync("r", [Message("replaced")], (await store.GetAsync("r"))!.Version);

        var rows = Rows();

        Assert.That(rows, Has.Count.EqualTo(5));
        foreach (var row in rows)
        {
            Assert.That(row.Checksum, Is.EqualTo((long)Crc32C(row.Payload)), $"{row.SessionId} #{row.Seq}");
        }
    }

    [Test]
    public async Task ValidJsonEdit_IsATypedErrorNamingSessionAndSequence_ListedAndSalvaged()
    {
        // A change that keeps the JSON valid (one letter of the text) was returned as a silently altered message before checksums.
        using var store = Database.CreateStore();
        await store.CreateAsync(Session("edit"), [Message("alpha"), Message("bravo"), Message("charlie")]);
        await store.CreateAsync(Session("other"), [Message("fine")]);
        var row = Rows().Single(r => r.SessionId == "edit" && r.Seq == 2);
        byte[] edited = (byte[])row.Payload.Clone();
        int at = System.Text.Encoding.UTF8.GetString(edited).IndexOf("bravo", StringComparison.Ordinal);
        edited[at] = (byte)'B';
        SetPayload(row.Id, edited);

        var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await store.GetMessagesAsync("edit", MessageRange.All));
        Assert.That(ex!.SessionId, Is.EqualTo("edit"));
        Assert.That(ex.Sequence, Is.EqualTo(2));
        Assert.That(ex.Message, Does.Contain("checksum").And.Contain("sequence 2"));
        Assert.That((await store.GetMessagesAsync("edit", MessageRange.Last(1))).Single().Text, Is.EqualTo("charlie"));
        Assert.That((await store.GetMessagesAsync("other", MessageRange.All)).Single().Text, Is.EqualTo("fine"));

        ISessionRecovery recovery = store;
        var damaged = (await ToListAsync(recovery.ListDamagedAsync())).Single();
        Assert.That(damaged.SessionId, Is.EqualTo("edit"));
        Assert.That(damaged.Records.Single().Sequence, Is.EqualTo(2));
        Assert.That(damaged.Records.Single().Reason, Does.Contain("checksum"));
        var salvage = await recovery.SalvageAsync("edit");
        Assert.That(salvage.KeptMessages, Is.EqualTo(2));
        Assert.That(salvage.DroppedRecords.Single().Sequence, Is.EqualTo(2));
        Assert.That((await store.GetMessagesAsync("edit", MessageRange.All)).Select(m => m.Text), Is.EqualTo(new[] { "alpha", "charlie" }));
        Assert.That(await ToListAsync(recovery.ListDamagedAsync()), Is.Empty);
    }

    [Test]
    public async Task RowsFromBeforeTheChecksumColumn_StayReadableSearchableAndDeletable()
    {
        // A database at schema 4 (no checksum column, indexed by the old insert trigger), written with plain SQL as that version did.
        using (var raw = Database.OpenRaw())
        {
            SqliteSchema.Migrate(raw, DateTimeOffset.UnixEpoch, targetVersion: 4);
            Execute(raw, """
                INSERT INTO sessions (id, title, kind, tags, metadata, message_count, created_at, updated_at, size_bytes,
                    usage_input, usage_output, usage_total, usage_cost, usage_requests, version, edit_version)
                VALUES ('legacy', 'legacy', 'chat', '[]', '{}', 2, $t, $t, 0, 0, 0, 0, '0', 0, 3, 1)
                """, ("$t", T0.UtcTicks));
            for (long seq = 1; seq <= 2; seq++)
            {
                var message = new SessionMessage { Sequence = seq, Message = new ChatMessage(ChatRole.User, $"heirloom{seq} text"), Timestamp = T0 };
                Execute(raw, "INSERT INTO session_messages (session_pk, seq, role, ts, text, payload) VALUES ((SELECT pk FROM sessions WHERE id = 'legacy'), $seq, 'user', $ts, $text, $payload)",
                    ("$seq", seq), ("$ts", T0.UtcTicks), ("$text", message.Text), ("$payload", SessionJson.SerializeMessage(message)));
            }
        }

        SqliteConnection.ClearAllPools();
        using var store = Database.CreateStore();
        var read = await store.GetMessagesAsync("legacy", MessageRange.All);
        var hits = await ToListAsync(store.SearchAsync(new SessionSearchQuery { Text = "heirloom1", IncludeTitles = false }));
        var appended = await store.AppendMessagesAsync("legacy", [Message("heirloom3 new")]);

        Assert.That(read.Select(m => m.Text), Is.EqualTo(new[] { "heirloom1 text", "heirloom2 text" }));
        Assert.That(hits.Single().Sequence, Is.EqualTo(1));
        var rows = Rows();
        Assert.That(rows.Where(r => r.Seq <= 2).Select(r => r.Checksum), Is.All.Null, "old rows keep no checksum");
        Assert.That(rows.Single(r => r.Seq == 3).Checksum, Is.EqualTo((long)Crc32C(rows.Single(r => r.Seq == 3).Payload)));
        Assert.That((await store.GetMessagesAsync("legacy", MessageRange.All)).Select(m => m.Sequence), Is.EqualTo(new long[] { 1, 2, 3 }));
        Assert.That(appended.Single().Sequence, Is.EqualTo(3));

        await store.DeleteAsync("legacy");
        Assert.That(await ToListAsync(store.SearchAsync(new SessionSearchQuery { Text = "heirloom1", IncludeTitles = false })), Is.Empty);
        using var check = Database.OpenRaw();
        Execute(check, "INSERT INTO session_messages_fts(session_messages_fts, rank) VALUES ('integrity-check', 1)");
    }

    /// <summary>RELIABILITY.md "Bit flips" on SQLite: ≥ 300 single-bit flips in stored JSON, written with SQL into the real database
    /// file; every read returns the original messages or throws a typed exception naming session and sequence; 0 altered.</summary>
    [Test]
    [CancelAfter(120_000)]
    public async Task BitFlips_ThreeHundredInStoredJson_EveryReadOriginalOrTyped_NoneAltered()
    {
        const int flips = 320, checksumFlips = 30;
        using var store = Database.CreateStore();
        var random = new Random(9009);
        var sessions = new[] { "flip-a", "flip-b", "flip-c" };
        foreach (var id in sessions)
        {
            await store.CreateAsync(Session(id), [.. Enumerable.Range(0, 20).Select(i => Message($"{id} created {i} {Words(random)}"))]);
            for (int i = 0; i < 20; i++) await store.AppendMessagesAsync(id, [Message($"{id} appended {i} {Words(random)} ✓ ünï")]);
        }

        var original = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var id in sessions) original[id] = [.. (await store.GetMessagesAsync(id, MessageRange.All)).Select(Json)];
        var rows = Rows();
        int reads = 0, detected = 0, returnedOriginal = 0, altered = 0, untyped = 0, misnamed = 0;

        async Task ReadAsync(Row row, MessageRange range, int expectedCount, int skip)
        {
            reads++;
            try
            {
                var messages = await store.GetMessagesAsync(row.SessionId, range);
                var json = messages.Select(Json).ToList();
                if (json.Count == expectedCount && json.SequenceEqual(original[row.SessionId].Skip(skip).Take(expectedCount))) returnedOriginal++;
                else altered++;
            }
            catch (SessionFormatException ex)
            {
                detected++;
                if (ex.SessionId != row.SessionId || ex.Sequence != row.Seq) misnamed++;
            }
            catch (Exception ex) when (ex is not AssertionException)
            {
                untyped++;
                await TestContext.Out.WriteLineAsync($"untyped: {ex.GetType().Name}: {ex.Message}");
            }
        }

        for (int k = 0; k < flips + checksumFlips; k++)
        {
            var row = rows[random.Next(rows.Count)];
            if (k < flips)
            {
                byte[] flipped = (byte[])row.Payload.Clone();
                int bit = random.Next(flipped.Length * 8);
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                SetPayload(row.Id, flipped);
            }
            else
            {
                SetChecksum(row.Id, row.Checksum!.Value ^ (1L << random.Next(32)));
            }

            await ReadAsync(row, MessageRange.All, 40, 0);
            await ReadAsync(row, MessageRange.Slice((int)row.Seq - 1, 1), 1, (int)row.Seq - 1);
            SetPayload(row.Id, row.Payload);
            SetChecksum(row.Id, row.Checksum!.Value);
        }

        foreach (var id in sessions) Assert.That((await store.GetMessagesAsync(id, MessageRange.All)).Select(Json), Is.EqualTo(original[id]), "restored");
        await TestContext.Out.WriteLineAsync(
            $"bit flips (SQLite): {flips} flips in stored JSON + {checksumFlips} in the checksum column, {reads} reads: {detected} typed SessionFormatException " +
            $"naming session and sequence ({misnamed} misnamed), {returnedOriginal} returned the original, {altered} altered, {untyped} untyped");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(altered, Is.Zero);
            Assert.That(untyped, Is.Zero);
            Assert.That(misnamed, Is.Zero);
            Assert.That(reads, Is.EqualTo(2 * (flips + checksumFlips)));
            Assert.That(detected + returnedOriginal, Is.EqualTo(reads));
        }
    }

    private static string Words(Random random) =>
        string.Join(' ', Enumerable.Range(0, random.Next(3, 30)).Select(_ => new string((char)('a' + random.Next(26)), random.Next(1, 9))));

    private static string Json(SessionMessage message) => System.Text.Encoding.UTF8.GetString(SessionJson.SerializeMessage(message));

    private static SessionInfo Session(string id) => new() { Id = id, Title = id, CreatedAt = T0, UpdatedAt = T0 };

    private static SessionMessage Message(string text) => new() { Message = new ChatMessage(ChatRole.User, text), Timestamp = T0 };

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source) list.Add(item);
        return list;
    }

    /// <summary>CRC-32C (Castagnoli, reflected 0x82F63B78), bit by bit: an independent check of the store's hardware-accelerated one.</summary>
    private static uint Crc32C(byte[] data)
    {
        uint crc = uint.MaxValue;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int i = 0; i < 8; i++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }

        return ~crc;
    }

    private List<Row> Rows()
    {
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT m.id, s.id, m.seq, m.payload, m.checksum FROM session_messages m JOIN sessions s ON s.pk = m.session_pk ORDER BY m.id";
        using var reader = command.ExecuteReader();
        var rows = new List<Row>();
        while (reader.Read())
        {
            rows.Add(new Row(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), (byte[])reader.GetValue(3), reader.IsDBNull(4) ? null : reader.GetInt64(4)));
        }

        return rows;
    }

    private void SetPayload(long id, byte[] payload)
    {
        using var raw = Database.OpenRaw();
        Execute(raw, "UPDATE session_messages SET payload = $p WHERE id = $id", ("$p", payload), ("$id", id));
    }

    private void SetChecksum(long id, long checksum)
    {
        using var raw = Database.OpenRaw();
        Execute(raw, "UPDATE session_messages SET checksum = $c WHERE id = $id", ("$c", checksum), ("$id", id));
    }

    private static void Execute(SqliteConnection raw, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = raw.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        command.ExecuteNonQuery();
    }

    private sealed record Row(long Id, string SessionId, long Seq, byte[] Payload, long? Checksum);
}
