using System.Diagnostics;
using Microsoft.Extensions.AI;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Issue 9 and 10 on SQLite: a damaged row stays visible and recoverable, listing skips what it cannot read, a full disk
/// fails cleanly and releases the write-ahead log, replacements racing appends lose nothing. Suites print their figures.</summary>
[TestFixture]
public sealed class SqliteHardeningTests : SqliteDatabaseTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    /// <summary>Issue 10: a damaged message row is named (session, sequence), every other message stays readable, and the session is
    /// listed by the recovery API and salvaged keeping every readable message.</summary>
    [Test]
    public async Task DamagedMessageRow_NamedOthersReadableAndSalvaged()
    {
        using var store = Database.CreateStore();
        await store.CreateAsync(Session("bad"), [Message("m1"), Message("m2"), Message("m3")]);
        await store.CreateAsync(Session("good"), [Message("g1")]);
        Execute("UPDATE session_messages SET payload = x'7b227631' WHERE seq = 2 AND session_pk = (SELECT pk FROM sessions WHERE id = 'bad')");

        var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await store.GetMessagesAsync("bad", MessageRange.All));
        Assert.That(ex!.SessionId, Is.EqualTo("bad"));
        Assert.That(ex.Sequence, Is.EqualTo(2));
        Assert.That(ex.Message, Does.Contain("sequence 2").And.Contain("SalvageAsync"));
        Assert.That((await store.GetMessagesAsync("bad", MessageRange.Last(1))).Single().Text, Is.EqualTo("m3"));
        Assert.That((await store.GetMessagesAsync("bad", MessageRange.First(1))).Single().Text, Is.EqualTo("m1"));
        Assert.That((await store.ListAsync(SessionQuery.All).ToListAsync()).Select(s => s.Id).Order(), Is.EqualTo(new[] { "bad", "good" }));

        ISessionRecovery recovery = store;
        var damaged = await recovery.ListDamagedAsync().ToListAsync();
        Assert.That(damaged.Single().SessionId, Is.EqualTo("bad"));
        Assert.That(damaged.Single().Records.Single().Sequence, Is.EqualTo(2));
        var result = await recovery.SalvageAsync("bad");
        Assert.That(result.KeptMessages, Is.EqualTo(2));
        Assert.That((await store.GetMessagesAsync("bad", MessageRange.All)).Select(m => m.Text), Is.EqualTo(new[] { "m1", "m3" }));
        Assert.That(await recovery.ListDamagedAsync().ToListAsync(), Is.Empty);
    }

    /// <summary>Issue 9 item 6 on SQLite: one bad value in a session row no longer breaks listing for all (it threw
    /// OverflowException/FormatException); the row is named by GetAsync and repaired by salvage.</summary>
    [Test]
    public async Task DamagedSessionRow_ListingSkipsItAndSalvageRepairsIt()
    {
        using var store = Database.CreateStore();
        await store.CreateAsync(Session("row"), [Message("r1")]);
        await store.CreateAsync(Session("fine"), [Message("f1")]);
        Execute("UPDATE sessions SET usage_cost = 'not a number', tags = '[not json' WHERE id = 'row'");

        Assert.That((await store.ListAsync(SessionQuery.All).ToListAsync()).Select(s => s.Id), Is.EqualTo(new[] { "fine" }));
        var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await store.GetAsync("row"));
        Assert.That(ex!.SessionId, Is.EqualTo("row"));
        ISessionRecovery recovery = store;
        Assert.That((await recovery.ListDamagedAsync().ToListAsync()).Single().SessionId, Is.EqualTo("row"));

        var result = await recovery.SalvageAsync("row");
        Assert.That(result.KeptMessages, Is.EqualTo(1));
        Assert.That((await store.ListAsync(SessionQuery.All).ToListAsync()).Select(s => s.Id).Order(), Is.EqualTo(new[] { "fine", "row" }));
        Assert.That((await store.GetMessagesAsync("row", MessageRange.All)).Single().Text, Is.EqualTo("r1"));
    }

    /// <summary>RELIABILITY.md "Replace racing appends" on SQLite: ≥ 200 races, 0 acknowledged appends lost. Prints its figures.</summary>
    [Test]
    public async Task ReplaceRacingAppends_TwoHundredRaces_NothingLost()
    {
        using var store = Database.CreateStore();
        await store.CreateAsync(Session("race"), [Message("seed")]);
        var figures = await SessionStorageConformanceTests.RaceReplaceAgainstAppendsAsync(store, "race", races: 200, CancellationToken.None);
        await TestContext.Out.WriteLineAsync($"replace racing appends (SQLite): {figures}");
        Assert.That(figures.Lost, Is.Zero);
        Assert.That(figures.Races, Is.GreaterThanOrEqualTo(200));
    }

    /// <summary>RELIABILITY.md "Disk full" on SQLite: a small tmpfs mounted by the test (root only; skipped with the reason
    /// otherwise). Every call is kept or fails with SessionStorageException having stored nothing; reads work while full; writing
    /// resumes once space is freed. Prints its figures.</summary>
    [Test]
    public async Task DiskFull_Tmpfs_KeptOrNothingStoredAndResumes()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root") Assert.Ignore("needs root to mount a small tmpfs (CI runs as root)");
        string mount = Path.Combine(Database.Directory, "tmpfs");
        Directory.CreateDirectory(mount);
        var mounted = Process.Start("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mount]);
        mounted.WaitForExit(10_000);
        if (mounted.ExitCode != 0) Assert.Ignore("mount -t tmpfs failed (no CAP_SYS_ADMIN in this container)");
        try
        {
            string ballast = Path.Combine(mount, "ballast");
            int ok = 0, failed = 0, untyped = 0;
            var acknowledged = new List<string>();
            // Ballast the test deletes later: the space a user frees on a full disk.
            await File.WriteAllBytesAsync(ballast, new byte[512 * 1024]);
            using (var store = Database.CreateStore($"Data Source={Path.Combine(mount, "s.db")}"))
            {
                await store.CreateAsync(Session("s"), []);
                for (int i = 0; i < 300; i++)
                {
                    var batch = Enumerable.Range(0, 3).Select(j => Message($"b{i}-{j}-" + new string('x', 3000))).ToArray();
                    try
                    {
                        await store.AppendMessagesAsync("s", batch);
                        acknowledged.AddRange(batch.Select(m => m.Text));
                        ok++;
                    }
                    catch (SessionStorageException)
                    {
                        failed++;
                    }
                    catch (Exception)
                    {
                        untyped++;
                    }
                }

                var stored = (await store.GetMessagesAsync("s", MessageRange.All)).Select(m => m.Text).ToList();
                Assert.That(stored, Is.EqualTo(acknowledged), "no half batch, no failed-but-stored");

                // Reads work while full; then the user frees space and writing resumes.
                Assert.That((await store.GetAsync("s"))!.MessageCount, Is.EqualTo(acknowledged.Count));
                File.Delete(ballast);
                bool resumed = false;
                try
                {
                    await store.AppendMessagesAsync("s", [Message("after")]);
                    resumed = true;
                }
                catch (SessionStorageException)
                {
                }

                long wal = File.Exists(Path.Combine(mount, "s.db-wal")) ? new FileInfo(Path.Combine(mount, "s.db-wal")).Length : 0;
                await TestContext.Out.WriteLineAsync($"disk full (SQLite): calls {ok + failed + untyped}, kept {ok}, failed {failed}, untyped {untyped}, stored {stored.Count}, acknowledged {acknowledged.Count}, resumed {resumed}, WAL bytes {wal}");
                Assert.That(failed, Is.GreaterThan(0), "the tmpfs never filled");
                Assert.That(untyped, Is.Zero);
                Assert.That(resumed, Is.True, "writing resumes once space is freed");
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Process.Start("umount", [mount]).WaitForExit(10_000);
        }
    }

    private void Execute(string sql)
    {
        using var raw = Database.OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static SessionInfo Session(string id) => new() { Id = id, Title = "t " + id, CreatedAt = T0, UpdatedAt = T0 };

    private static SessionMessage Message(string text) => new() { Message = new ChatMessage(ChatRole.User, text), Timestamp = T0 };
}
