using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Issue 15 on SQLite, schema version 9: a single-message append writes its message row only; the session row's count,
/// updated time, size, version and usage are folded in later behind a watermark (background pass, write transactions, and before
/// any read of session rows), so every read stays exact while a commit writes about as many pages as a plain INSERT.</summary>
[TestFixture]
public sealed class SqliteLazyFoldTests : SqliteDatabaseTests
{
    private static readonly DateTimeOffset T0 = new(2025, 9, 10, 11, 12, 13, TimeSpan.Zero);

    [Test]
    public async Task Migrate_FromSchemaEightToNine_KeepsEveryRowAndSessionRow_AndAppendsStayExact()
    {
        var clock = new FakeTimeProvider(T0);
        SessionInfo[] listedBefore;
        using (var old = new SqliteSessionStorage(new SqliteStorageOptions { ConnectionString = Database.ConnectionString }, clock, NullLogger.Instance) { TargetSchemaVersion = 8 })
        {
            old.BackgroundIndexBatch = 0;
            await old.CreateAsync(Session("a"), [Message("first zebra"), Message("second yak")]);
            await old.CreateAsync(Session("b"), []);
            for (int i = 0; i < 10; i++)
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                await old.AppendMessagesAsync(i % 2 == 0 ? "a" : "b", [Message("old append " + Token(i)) with { Usage = Usage(i) }]);
            }

            listedBefore = await ListAsync(old);
        }

        SqliteConnection.ClearAllPools();
        var rowsBefore = MessageRows();
        var sessionsBefore = SessionRows();
        Assert.That(Versions(), Is.EqualTo(Enumerable.Range(1, 8).Select(v => (long)v)));

        using var store = Database.CreateStore(timeProvider: clock);
        store.BackgroundIndexBatch = 0;
        await store.InitializeAsync();
        var rowsMigrated = MessageRows();
        var sessionsMigrated = SessionRows();
        var (foldedUpto, maxId) = FoldState();
        var listedAfter = await ListAsync(store);
        clock.Advance(TimeSpan.FromSeconds(1));
        var appended = await store.AppendMessagesAsync("a", [Message("after migration append " + Token(100)) with { Usage = Usage(3) }]);
        var info = await store.GetAsync("a");
        var messages = await store.GetMessagesAsync("a", MessageRange.All);
        var hits = await SearchAsync(store, "append");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Versions(), Is.EqualTo(Enumerable.Range(1, SqliteSchema.LatestVersion).Select(v => (long)v)));
            Assert.That(SqliteSchema.LatestVersion, Is.GreaterThanOrEqualTo(9));
            Assert.That(rowsMigrated.Select(Describe), Is.EqualTo(rowsBefore.Select(Describe)), "every message row (id, session, seq, payload, checksum) is unchanged");
            Assert.That(sessionsMigrated, Is.EqualTo(sessionsBefore), "every session row is unchanged");
            Assert.That(foldedUpto, Is.EqualTo(maxId), "the rows written before version 9 are already counted in their session rows");
            Assert.That(listedAfter.Select(Describe), Is.EqualTo(listedBefore.Select(Describe)), "a listing reads the same sessions after the migration");
            Assert.That(appended.Single().Sequence, Is.EqualTo(8));
            Assert.That(info!.MessageCount, Is.EqualTo(8));
            Assert.That(info.Version, Is.EqualTo(listedBefore.Single(s => s.Id == "a").Version + 1));
            Assert.That(info.UpdatedAt, Is.EqualTo(clock.GetUtcNow()));
            Assert.That(info.Usage, Is.EqualTo(listedBefore.Single(s => s.Id == "a").Usage.Add(Usage(3))));
            Assert.That(messages.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(1, 8).Select(i => (long)i)));
            Assert.That(hits, Has.Count.EqualTo(11));
        }
    }

    [Test]
    public async Task Append_OneMessage_LeavesTheSessionRow_AndEveryReadFoldsItFirst()
    {
        var clock = new FakeTimeProvider(T0);
        using var store = Database.CreateStore(timeProvider: clock);
        store.BackgroundIndexBatch = 0; // no background pass: only the reads fold
        var created = await store.CreateAsync(Session("s"), [Message("one")]);
        var rowAfterCreate = SessionRows().Single();
        var appendedUsage = SessionUsage.Empty;
        for (int i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await store.AppendMessagesAsync("s", [Message("more " + Token(i)) with { Usage = Usage(i) }]);
            appendedUsage = appendedUsage.Add(Usage(i));
        }

        var rowBeforeRead = SessionRows().Single();
        var pendingBeforeRead = FoldState();
        var info = await store.GetAsync("s");
        var rowAfterRead = SessionRows().Single();
        var pendingAfterRead = FoldState();
        long payloadBytes = MessageRows().Sum(r => (long)r.Payload.Length);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rowBeforeRead, Is.EqualTo(rowAfterCreate), "the appends wrote their message rows only");
            Assert.That(pendingBeforeRead.FoldedUpto, Is.EqualTo(pendingBeforeRead.MaxId - 5));
            Assert.That(info!.MessageCount, Is.EqualTo(6));
            Assert.That(info.Version, Is.EqualTo(created.Version + 5), "every appended message advances the version");
            Assert.That(info.UpdatedAt, Is.EqualTo(T0.AddMinutes(5)));
            Assert.That(info.Usage, Is.EqualTo(appendedUsage));
            Assert.That(info.SizeBytes, Is.InRange(payloadBytes - 8, payloadBytes), "size counts each stored payload");
            Assert.That(rowAfterRead.Count, Is.EqualTo(6), "the read folded the appends into the session row");
            Assert.That(pendingAfterRead.FoldedUpto, Is.EqualTo(pendingAfterRead.MaxId));
        }
    }

    [Test]
    public async Task Reads_InAnotherInstance_SeeAppendsNotYetFolded_ListGetStatisticsSearchTrash()
    {
        var clock = new FakeTimeProvider(T0);
        using var writer = Database.CreateStore(timeProvider: clock);
        using var reader = Database.CreateStore(timeProvider: clock);
        writer.BackgroundIndexBatch = 0;
        reader.BackgroundIndexBatch = 0;
        await writer.CreateAsync(Session("quiet") with { UpdatedAt = T0.AddHours(1) }, []);
        await writer.CreateAsync(Session("busy"), []);
        await writer.CreateAsync(Session("binned"), []);
        await writer.AppendMessagesAsync("binned", [Message("binned " + Token(50))]);
        for (int i = 0; i < 6; i++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            await writer.AppendMessagesAsync("busy", [Message("busy " + Token(i)) with { Usage = Usage(i) }]);
        }

        var listed = await ListAsync(reader);
        var trashed = await reader.TrashAsync("binned");
        var trash = new List<TrashedSession>();
        await foreach (var t in reader.ListTrashAsync()) trash.Add(t);
        await writer.AppendMessagesAsync("busy", [Message("busy " + Token(6))]);
        var statistics = await reader.GetStatisticsAsync(SessionQuery.All, mostActive: 1);
        var byCount = new List<SessionInfo>();
        await foreach (var s in reader.ListAsync(new SessionQuery { OrderBy = SessionSortField.MessageCount, Take = 1 })) byCount.Add(s);
        clock.Advance(TimeSpan.FromHours(4));
        await writer.AppendMessagesAsync("quiet", [Message("quiet " + Token(60))]);
        var titleHits = await SearchAsync(reader, "title quiet", includeTitles: true, from: T0.AddHours(9));
        await writer.AppendMessagesAsync("busy", [Message("busy " + Token(7))]);
        var messageHits = await SearchAsync(reader, Token(7));
        var get = await reader.GetAsync("busy");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(listed.Select(s => s.Id), Is.EqualTo(new[] { "busy", "quiet", "binned" }), "most recently updated first, by the folded times");
            Assert.That(listed[0].MessageCount, Is.EqualTo(6));
            Assert.That(listed[0].UpdatedAt, Is.EqualTo(T0.AddHours(6)));
            Assert.That(trashed, Is.True);
            Assert.That(trash.Single().Session.MessageCount, Is.EqualTo(1));
            Assert.That(statistics.Messages, Is.EqualTo(7), "the live sessions' messages, the append after the trash listing included");
            Assert.That(statistics.Usage, Is.EqualTo(Enumerable.Range(0, 6).Aggregate(SessionUsage.Empty, (u, i) => u.Add(Usage(i)))));
            Assert.That(statistics.MostActive.Single().MessageCount, Is.EqualTo(7));
            Assert.That(byCount.Single().Id, Is.EqualTo("busy"));
            Assert.That(titleHits.Any(h => h.SessionId == "quiet" && h.Sequence is null), Is.True, "the title hit's time filter sees the folded update time");
            Assert.That(messageHits.Single().Sequence, Is.EqualTo(8));
            Assert.That(get!.MessageCount, Is.EqualTo(8));
        }
    }

    [Test]
    public async Task UpdateAndReplace_AfterAppendsNotYetFolded_CheckVersionsExactly()
    {
        using var other = Database.CreateStore();
        using var store = Database.CreateStore();
        other.BackgroundIndexBatch = 0;
        store.BackgroundIndexBatch = 0;
        var created = await store.CreateAsync(Session("v"), []);
        await other.AppendMessagesAsync("v", [Message("one")]);
        await other.AppendMessagesAsync("v", [Message("two")]);

        var first = await store.UpdateAsync(created with { Title = "first" }); // appends since the read do not conflict with metadata
        var stale = await Assert.ThrowsAsync<SessionConcurrencyException>(async () => await store.UpdateAsync(created with { Title = "stale" }));
        await other.AppendMessagesAsync("v", [Message("three")]);
        var replaceStale = await Assert.ThrowsAsync<SessionConcurrencyException>(async () => await store.ReplaceMessagesAsync("v", [Message("r")], first.Version));
        var latest = await store.GetAsync("v");
        var replaced = await store.ReplaceMessagesAsync("v", [Message("r")], latest!.Version);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.MessageCount, Is.EqualTo(2), "the update's returned row counts the appends it had not seen folded");
            Assert.That(first.Version, Is.EqualTo(created.Version + 3), "two appends and the update");
            Assert.That(stale, Is.Not.Null, "a second update from the first read conflicts with the first update");
            Assert.That(replaceStale!.ActualVersion, Is.EqualTo(first.Version + 1), "the append after the update advanced the version");
            Assert.That(latest.MessageCount, Is.EqualTo(3));
            Assert.That(latest.Version, Is.EqualTo(first.Version + 1));
            Assert.That(replaced.MessageCount, Is.EqualTo(1));
        }
    }

    [Test]
    public async Task DeletingTheHighestRows_LowersTheWatermark_SoReusedIdsAreFolded()
    {
        using var store = Database.CreateStore();
        store.BackgroundIndexBatch = 0;
        await store.CreateAsync(Session("keep"), []);
        for (int i = 0; i < 3; i++) await store.AppendMessagesAsync("keep", [Message("keep " + Token(i))]);
        await store.CreateAsync(Session("gone"), [Message("g1"), Message("g2"), Message("g3")]); // folds keep's appends, then the highest ids
        long highest = FoldState().MaxId;
        await store.DeleteAsync("gone");
        var afterDelete = FoldState();
        await store.AppendMessagesAsync("keep", [Message("keep " + Token(3))]); // SQLite gives it a deleted row's id
        long reused = MessageRows().Max(r => r.Id);
        var info = await store.GetAsync("keep");
        var messages = await store.GetMessagesAsync("keep", MessageRange.All);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(afterDelete.FoldedUpto, Is.EqualTo(afterDelete.MaxId), "the delete trigger lowered the watermark to the highest remaining id");
            Assert.That(afterDelete.MaxId, Is.LessThan(highest));
            Assert.That(reused, Is.LessThanOrEqualTo(highest), "the append reused an id at or below the old watermark");
            Assert.That(info!.MessageCount, Is.EqualTo(4), "and it was still folded");
            Assert.That(messages.Select(m => m.Sequence), Is.EqualTo(new long[] { 1, 2, 3, 4 }));
        }
    }

    [Test]
    public async Task BackgroundPass_FoldsWhatItIndexes()
    {
        using var store = Database.CreateStore();
        store.BackgroundIndexBatch = 8;
        await store.CreateAsync(Session("bg"), []);
        for (int i = 0; i < 40; i++) await store.AppendMessagesAsync("bg", [Message("bg " + Token(i))]);
        await store.WhenIdleAsync();
        var row = SessionRows().Single();
        var (foldedUpto, maxId) = FoldState();

        Assert.That(row.Count, Is.GreaterThanOrEqualTo(32), "the background rounds folded the appends they found");
        Assert.That(maxId - foldedUpto, Is.EqualTo(40 - row.Count));
        Assert.That((await store.GetAsync("bg"))!.MessageCount, Is.EqualTo(40));
    }

    [Test]
    public async Task Append_OneMessage_WritesAboutAsManyLogPagesAsAPlainInsert()
    {
        // Counts pages, not time: the write-ahead log grows by one frame per page a commit writes (no checkpoint runs here).
        using var store = Database.CreateStore();
        store.BackgroundIndexBatch = 0;
        await store.CreateAsync(Session("w"), []);
        await store.AppendMessagesAsync("w", [Message("warm " + Token(0))]);
        string wal = Database.FilePath + "-wal";
        long before = new FileInfo(wal).Length;
        const int appends = 100;
        for (int i = 1; i <= appends; i++) await store.AppendMessagesAsync("w", [Message(Text400(i))]);
        double framesPerAppend = (new FileInfo(wal).Length - before) / (double)(4096 + 24) / appends;

        Assert.That(framesPerAppend, Is.LessThan(3.2), "the message row and its key (plus the odd new page), not the session row and its listing index too (4.7 before)");
        Assert.That((await store.GetAsync("w"))!.MessageCount, Is.EqualTo(appends + 1));
    }

    private (long FoldedUpto, long MaxId) FoldState()
    {
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT folded_upto, (SELECT coalesce(max(id), 0) FROM session_messages) FROM sessions_fts_state";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private List<(long Id, long SessionPk, long Seq, byte[] Payload, long Checksum)> MessageRows()
    {
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT id, session_pk, seq, payload, checksum FROM session_messages ORDER BY id";
        var rows = new List<(long, long, long, byte[], long)>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<byte[]>(3), reader.GetInt64(4)));
        return rows;
    }

    private List<(string Id, long Count, long Size, long Version, long Updated, long Input)> SessionRows()
    {
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT id, message_count, size_bytes, version, updated_at, usage_input FROM sessions ORDER BY id";
        var rows = new List<(string, long, long, long, long, long)>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
        return rows;
    }

    private static string Describe((long Id, long SessionPk, long Seq, byte[] Payload, long Checksum) row) =>
        string.Create(CultureInfo.InvariantCulture, $"{row.Id}/{row.SessionPk}/{row.Seq}/{Convert.ToHexString(row.Payload)}/{row.Checksum:x8}");

    private static string Describe(SessionInfo s) =>
        string.Create(CultureInfo.InvariantCulture, $"{s.Id}/{s.MessageCount}/{s.Version}/{s.UpdatedAt:O}/{s.SizeBytes}/{s.Usage}");

    private static async Task<SessionInfo[]> ListAsync(ISessionStorage storage)
    {
        var sessions = new List<SessionInfo>();
        await foreach (var s in storage.ListAsync(SessionQuery.All)) sessions.Add(s);
        return [.. sessions];
    }

    private static async Task<List<SessionSearchHit>> SearchAsync(ISessionSearch search, string text, bool includeTitles = false, DateTimeOffset? from = null)
    {
        var hits = new List<SessionSearchHit>();
        await foreach (var hit in search.SearchAsync(new SessionSearchQuery { Text = text, Take = 100, IncludeTitles = includeTitles, From = from })) hits.Add(hit);
        return hits;
    }

    private static SessionUsage Usage(int i) => i % 3 == 2
        ? SessionUsage.Empty
        : new SessionUsage { InputTokens = 10 + i, OutputTokens = 2 * i, TotalTokens = 10 + (3 * i), Requests = 1, UnpricedRequests = i % 2 };

    private static string Token(int i) => "t" + i.ToString("D5", CultureInfo.InvariantCulture) + "q";

    private static string Text400(int i) => Token(i) + " " + string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet ", 15));

    private static SessionInfo Session(string id) => new() { Id = id, Title = "title of " + id, CreatedAt = T0, UpdatedAt = T0 };

    private static SessionMessage Message(string text) => new() { Message = new ChatMessage(ChatRole.User, text), Timestamp = T0 };
}
