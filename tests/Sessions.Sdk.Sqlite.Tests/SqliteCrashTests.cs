using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Sessions.Sdk.Tests;

/// <summary>Kills writer processes with SIGKILL at random moments and proves the database stays readable and complete.</summary>
/// <remarks>
/// Several children run at once, each on its own pair of sessions in the same database file, so kills also land while
/// another process holds the write lock. After every round: the database opens, every acknowledged append is present in
/// order, nothing beyond the one in-flight batch was added, every payload parses, the scratch session holds exactly one
/// whole generation, and counters agree with the rows.
/// </remarks>
[TestFixture]
[Category("Crash")]
public sealed class SqliteCrashTests
{
    private const int Children = 20;
    private const int MinimumKillPoints = 200;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(75);

    private SqliteTestDatabase _database = null!;

    [SetUp]
    public void SetUp() => _database = new SqliteTestDatabase();

    [TearDown]
    public void TearDown() => _database.Dispose();

    [Test]
    [CancelAfter(88_000)]
    public async Task KillDuringWrites_AtRandomMoments_EveryAcknowledgedWriteSurvives()
    {
        var random = new Random(20261122);
        var acked = new List<string>[Children];
        var known = new List<string>[Children];
        long[] scratchGeneration = new long[Children];
        long[] lastVersion = new long[Children];
        using (var setup = _database.CreateStore())
        {
            for (int c = 0; c < Children; c++)
            {
                acked[c] = [];
                known[c] = [];
                await setup.CreateAsync(Session($"main-{c}", "start"), []);
                await setup.CreateAsync(Session($"scratch-{c}", "0"), []);
                lastVersion[c] = 1;
            }
        }

        var stopwatch = Stopwatch.StartNew();
        int kills = 0, rounds = 0, unackedExtras = 0, totalAcks = 0;
        TimeSpan startup = TimeSpan.Zero, writing = TimeSpan.Zero;
        while ((kills < MinimumKillPoints || rounds < 10) && stopwatch.Elapsed < Budget)
        {
            rounds++;
            var children = new SqliteTestHostProcess[Children];
            for (int c = 0; c < Children; c++)
            {
                children[c] = SqliteTestHostProcess.Start(
                    "sqlite-crash-loop", _database.FilePath, $"main-{c}", $"scratch-{c}", $"r{rounds}c{c}", random.Next().ToString(CultureInfo.InvariantCulture));
            }

            try
            {
                var phase = Stopwatch.StartNew();
                await Task.WhenAll(children.Select(ch => ch.Ready)).WaitAsync(TimeSpan.FromSeconds(30));
                startup += phase.Elapsed;
                phase.Restart();
                // Kill inside the write loop: after a random number of acknowledged writes, plus a random extra delay.
                var plans = children.Select(_ => (Acks: random.Next(1, 6), DelayMs: random.Next(0, 8))).ToArray();
                await Task.WhenAll(children.Select(async (ch, c) =>
                {
                    await ch.WaitForLinesAsync(1 + plans[c].Acks, TimeSpan.FromSeconds(5));
                    if (plans[c].DelayMs > 0) await Task.Delay(plans[c].DelayMs);
                    await ch.KillAsync();
                }));
                kills += Children;
                writing += phase.Elapsed;
            }
            finally
            {
                foreach (var ch in children) ch.Dispose();
            }

            await using var store = _database.CreateStore();
            for (int c = 0; c < Children; c++)
            {
                var lines = children[c].Lines();
                var newAcks = lines.Where(l => l.StartsWith("A ", StringComparison.Ordinal)).Select(l => l[2..]).ToList();
                totalAcks += lines.Length - 1;
                acked[c].AddRange(newAcks);
                foreach (var l in lines.Where(l => l.StartsWith("R ", StringComparison.Ordinal))) scratchGeneration[c] = long.Parse(l[2..], CultureInfo.InvariantCulture);
                foreach (var l in lines.Where(l => l.StartsWith("U ", StringComparison.Ordinal))) lastVersion[c] = long.Parse(l[2..], CultureInfo.InvariantCulture);

                var info = await store.GetAsync($"main-{c}");
                Assert.That(info, Is.Not.Null, $"main-{c} lost after round {rounds}");
                var messages = await store.GetMessagesAsync($"main-{c}", MessageRange.All);
                var stored = messages.Select(m => m.Text.Split(' ')[0]).ToList();
                Assert.That(messages.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(1, messages.Count).Select(i => (long)i)), $"main-{c} sequences after round {rounds}");
                Assert.That(info!.MessageCount, Is.EqualTo(messages.Count), $"main-{c} count after round {rounds}");
                Assert.That(info.Version, Is.GreaterThanOrEqualTo(lastVersion[c]), $"main-{c} version after round {rounds}");

                // Stored = everything known before the round + this round's acks, in order, + at most one in-flight batch (≤ 3).
                var expectedPrefix = known[c].Concat(newAcks).ToList();
                Assert.That(stored.Take(expectedPrefix.Count), Is.EqualTo(expectedPrefix), $"main-{c} lost an acknowledged append in round {rounds}");
                int extras = stored.Count - expectedPrefix.Count;
                Assert.That(extras, Is.InRange(0, 3), $"main-{c} has {extras} unacknowledged messages after round {rounds}");
                unackedExtras += extras;
                known[c] = stored;

                var scratch = await store.GetAsync($"scratch-{c}");
                var scratchMessages = await store.GetMessagesAsync($"scratch-{c}", MessageRange.All);
                long titleGeneration = long.Parse(scratch!.Title, CultureInfo.InvariantCulture);
                var generations = scratchMessages.Select(m => long.Parse(m.Text[3..m.Text.IndexOf('-', StringComparison.Ordinal)], CultureInfo.InvariantCulture)).Distinct().ToList();
                if (titleGeneration == 0 && scratchMessages.Count == 0) continue;
                Assert.That(generations, Has.Count.EqualTo(1), $"scratch-{c} mixes generations after round {rounds}");
                long generation = generations[0];
                Assert.That(generation, Is.InRange(titleGeneration, titleGeneration + 1), $"scratch-{c} generation after round {rounds}");
                Assert.That(generation, Is.GreaterThanOrEqualTo(scratchGeneration[c]), $"scratch-{c} lost an acknowledged replace in round {rounds}");
                Assert.That(scratchMessages, Has.Count.EqualTo((int)(generation % 5) + 1), $"scratch-{c} partial replace after round {rounds}");
                scratchGeneration[c] = Math.Max(scratchGeneration[c], titleGeneration);
            }
        }

        stopwatch.Stop();
        using (var raw = _database.OpenRaw())
        {
            using var check = raw.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.That(check.ExecuteScalar(), Is.EqualTo("ok"));
            check.CommandText = "INSERT INTO session_messages_fts(session_messages_fts, rank) VALUES ('integrity-check', 1)";
            Assert.DoesNotThrow(() => check.ExecuteNonQuery(), "FTS index out of sync with messages");
            check.CommandText = "SELECT count(*) FROM sessions WHERE id LIKE 'tmp-%'";
            TestContext.Out.WriteLine($"leftover throwaway sessions (killed between create and delete): {check.ExecuteScalar()}");
        }

        int appendsAcked = acked.Sum(a => a.Count);
        TestContext.Out.WriteLine(
            $"{kills} kill points in {rounds} rounds ({Children} children each) in {stopwatch.Elapsed.TotalSeconds:0.0} s " +
            $"(child start-up {startup.TotalSeconds:0.0} s, writing until killed {writing.TotalSeconds:0.0} s, checks {(stopwatch.Elapsed - startup - writing).TotalSeconds:0.0} s); " +
            $"{totalAcks} acknowledged writes incl. {appendsAcked} appended messages; 0 acknowledged lost; {unackedExtras} in-flight appends committed before the kill; " +
            $"database {new FileInfo(_database.FilePath).Length / 1024} KiB");
        Assert.That(kills, Is.GreaterThanOrEqualTo(MinimumKillPoints), $"only {kills} kill points fit in {Budget.TotalSeconds} s");
        Assert.That(appendsAcked, Is.GreaterThan(kills), "children were killed before doing real work");
        SqliteConnection.ClearAllPools();
    }

    private static SessionInfo Session(string id, string title) =>
        new() { Id = id, Title = title, CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch };
}
