using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Issue 15 on SQLite: the one-statement append binds its values by position on a cached native statement (ten values
/// for a message without token usage, fifteen with it); the row it writes is complete and exact, text of any script round-trips
/// and is found by search, and the cached statements are finalized when the store is disposed.</summary>
[TestFixture]
public sealed class SqliteNativeAppendTests : SqliteDatabaseTests
{
    private static readonly DateTimeOffset T0 = new(2025, 5, 6, 7, 8, 9, TimeSpan.Zero);

    [Test]
    public async Task Append_OneStatement_WritesEveryColumn_ZeroCountersWithoutUsage_AndUsageWithIt()
    {
        var clock = new FakeTimeProvider(T0);
        using var store = Database.CreateStore(timeProvider: clock);
        store.BackgroundIndexBatch = 0;
        await store.CreateAsync(new SessionInfo { Id = "s", CreatedAt = T0, UpdatedAt = T0 }, []);
        clock.Advance(TimeSpan.FromMinutes(1));
        var plain = await store.AppendMessagesAsync("s", [new SessionMessage { Message = new ChatMessage(ChatRole.User, "plain one"), Timestamp = T0.AddSeconds(5) }]);
        clock.Advance(TimeSpan.FromMinutes(1));
        var usage = new SessionUsage { InputTokens = 5, OutputTokens = 6, TotalTokens = 11, Requests = 2, UnpricedRequests = 1 };
        var counted = await store.AppendMessagesAsync("s", [new SessionMessage { Message = new ChatMessage(ChatRole.Assistant, "with usage"), Timestamp = T0.AddSeconds(6), Usage = usage }]);
        var rows = Rows();
        var info = await store.GetAsync("s");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rows, Has.Count.EqualTo(2));
            Assert.That(rows.Select(r => r.AppendedAt), Is.EqualTo(new long?[] { T0.AddMinutes(1).UtcTicks, T0.AddMinutes(2).UtcTicks }), "both took the one-statement append");
            Assert.That(rows.Select(r => (r.Seq, r.Role, r.Ts, r.Text)), Is.EqualTo(new[] { (1L, "user", T0.AddSeconds(5).UtcTicks, "plain one"), (2L, "assistant", T0.AddSeconds(6).UtcTicks, "with usage") }));
            Assert.That(rows.Select(r => r.Checksum), Is.EqualTo(rows.Select(r => (long)RecordChecksum.Crc32C(r.Payload))));
            Assert.That(rows[0].Payload, Is.EqualTo(SessionJson.SerializeMessage(plain.Single())), "the payload is what SessionJson writes for the stored message");
            Assert.That(rows[1].Payload, Is.EqualTo(SessionJson.SerializeMessage(counted.Single())));
            Assert.That(rows[0].Counters, Is.EqualTo(new long?[] { 0, 0, 0, 0, 0 }), "zeros, never NULL (the fold sums them)");
            Assert.That(rows[1].Counters, Is.EqualTo(new long?[] { 5, 6, 11, 2, 1 }));
            Assert.That(rows.Select(r => r.Size), Is.EqualTo(rows.Select(r => (long?)r.Payload.Length)), "one-digit sequences: the size is the payload's");
            Assert.That(info!.MessageCount, Is.EqualTo(2));
            Assert.That(info.Usage, Is.EqualTo(usage));
            Assert.That(info.SizeBytes, Is.EqualTo(rows.Sum(r => (long)r.Payload.Length)));
            Assert.That(info.UpdatedAt, Is.EqualTo(T0.AddMinutes(2)));
        }
    }

    [Test]
    public async Task Append_OneStatement_TextOfAnyScript_RoundTripsAndIsFound()
    {
        using var store = Database.CreateStore();
        await store.CreateAsync(new SessionInfo { Id = "s", CreatedAt = T0, UpdatedAt = T0 }, []);
        string[] texts = ["héllo wörld", "日本語のテキスト", "ça coûte €5 — naïve façade"];
        foreach (string text in texts)
        {
            await store.AppendMessagesAsync("s", [new SessionMessage { Message = new ChatMessage(ChatRole.User, text), Timestamp = T0 }]);
        }

        var messages = await store.GetMessagesAsync("s", MessageRange.All);
        var world = await SearchAsync(store, "world");
        var facade = await SearchAsync(store, "façade");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(messages.Select(m => m.Text), Is.EqualTo(texts));
            Assert.That(Rows().Select(r => r.Text), Is.EqualTo(texts), "the indexed text column holds the same characters");
            Assert.That(world.Select(h => h.Sequence), Is.EqualTo(new long?[] { 1 }), "diacritics folded: the bound text is UTF-8, not mangled");
            Assert.That(facade.Select(h => h.Sequence), Is.EqualTo(new long?[] { 3 }));
        }
    }

    [Test]
    public async Task Dispose_AfterOneStatementAppends_FinalizesItsStatements_SoTheDatabaseHasNoOpenConnection()
    {
        using (var store = Database.CreateStore())
        {
            store.BackgroundIndexBatch = 0;
            await store.CreateAsync(new SessionInfo { Id = "s", CreatedAt = T0, UpdatedAt = T0 }, []);
            for (int i = 0; i < 5; i++)
            {
                await store.AppendMessagesAsync("s", [new SessionMessage { Message = new ChatMessage(ChatRole.User, "m" + i), Timestamp = T0 }]);
            }

            await store.WhenIdleAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = DELETE"; // SQLite leaves WAL only when no other connection is open
        Assert.That(command.ExecuteScalar(), Is.EqualTo("delete"), "a statement left unfinalized keeps its connection open");
    }

    private List<(long Seq, string Role, long Ts, string Text, byte[] Payload, long Checksum, long? AppendedAt, long? Size, long?[] Counters)> Rows()
    {
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText =
            "SELECT seq, role, ts, text, payload, checksum, appended_at, append_size, append_ui, append_uo, append_ut, append_ur, append_uu FROM session_messages ORDER BY id";
        var rows = new List<(long, string, long, string, byte[], long, long?, long?, long?[])>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            long? Nullable(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
            rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetFieldValue<byte[]>(4), reader.GetInt64(5),
                Nullable(6), Nullable(7), [Nullable(8), Nullable(9), Nullable(10), Nullable(11), Nullable(12)]));
        }

        return rows;
    }

    private static async Task<List<SessionSearchHit>> SearchAsync(ISessionSearch search, string text)
    {
        var hits = new List<SessionSearchHit>();
        await foreach (var hit in search.SearchAsync(new SessionSearchQuery { Text = text, Take = 100 })) hits.Add(hit);
        return hits;
    }
}
