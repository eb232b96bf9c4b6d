using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Sessions.Sdk.Tests;

/// <summary>Kills writer processes with SIGKILL at random moments and proves the database stays readable and complete.</summary>
/// <remarks>
/// Independent slots each run one child at a time on their own pair of sessions in the same database file, so kills also
/// land while another process holds the write lock; a killed child is checked and replaced at once. After every kill: the
/// database opens, every acknowledged append is present in order, nothing beyond the one in-flight batch was added, every
/// payload parses, the scratch session holds exactly one whole generation, and counters agree with the rows.
/// </remarks>
[TestFixture]
[Category("Crash")]
public sealed class SqliteCrashTests : SqliteDatabaseTests
{
    private const int Slots = 24;
    private const int MinimumKillPoints = 200;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(72);

    [Test]
    [CancelAfter(88_000)]
    public async Task KillDuringWrites_AtRandomMoments_EveryAcknowledgedWriteSurvives()
    {
        using (var setup = Database.CreateStore())
        {
            for (int slot = 0; slot < Slots; slot++)
            {
                await setup.CreateAsync(Session($"main-{slot}", "start"), []);
                await setup.CreateAsync(Session($"scratch-{slot}", "0"), []);
            }
        }

        using var checker = Database.CreateStore();
        var stopwatch = Stopwatch.StartNew();
        var totals = new Totals();
        var slots = Enumerable.Range(0, Slots).Select(slot => RunSlotAsync(slot, checker, stopwatch, totals)).ToArray();
        await Task.WhenAll(slots);
        stopwatch.Stop();

        // Killed children leave appended rows waiting for the search indexer (appends never index): what a search does first, and
        // then FTS5's own check that the index holds exactly the surviving rows (none lost or stale across the kills).
        long indexedAfterKills = await checker.IndexPendingAsync();
        TestContext.Out.WriteLine($"message rows left pending by killed children, indexed after the run: {indexedAfterKills}");
        using (var raw = Database.OpenRaw())
        {
            using var check = raw.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.That(check.ExecuteScalar(), Is.EqualTo("ok"));
            check.CommandText = "INSERT INTO session_messages_fts(session_messages_fts, rank) VALUES ('integrity-check', 1)";
            Assert.DoesNotThrow(() => check.ExecuteNonQuery(), "FTS index out of sync with messages");
            check.CommandText = "SELECT count(*) FROM sessions WHERE id LIKE 'tmp-%'";
            TestContext.Out.WriteLine($"leftover throwaway sessions (killed between create and delete): {check.ExecuteScalar()}");
        }

        TestContext.Out.WriteLine(
            $"{totals.Kills} kill points ({Slots} slots, one child each at a time) in {stopwatch.Elapsed.TotalSeconds:0.0} s " +
            $"(child start-up {totals.StartupMs / 1000 / Slots:0.0} s per slot); {totals.Acks} acknowledged writes incl. {totals.Appends} appended messages; " +
            $"0 acknowledged lost; {totals.InFlight} in-flight appends committed before the kill; database {new FileInfo(Database.FilePath).Length / 1024} KiB");
        Assert.That(totals.Kills, Is.GreaterThanOrEqualTo(MinimumKillPoints), $"only {totals.Kills} kill points fit in {Budget.TotalSeconds} s");
        Assert.That(totals.Appends, Is.GreaterThan(totals.Kills), "children were killed before doing real work");
        SqliteConnection.ClearAllPools();
    }

    private async Task RunSlotAsync(int slot, SqliteSessionStorage checker, Stopwatch stopwatch, Totals totals)
    {
        var random = new Random(20261122 + slot);
        var known = new List<string>();
        long scratchGeneration = 0, lastVersion = 1;
        for (int life = 0; stopwatch.Elapsed < Budget && Volatile.Read(ref totals.Kills) < MinimumKillPoints; life++)
        {
            string[] lines;
            using (var child = SqliteTestHostProcess.Start(
                "sqlite-crash-loop", Database.FilePath, $"main-{slot}", $"scratch-{slot}", $"s{slot}l{life}", random.Next().ToString(CultureInfo.InvariantCulture)))
            {
                long started = Stopwatch.GetTimestamp();
                await child.Ready.WaitAsync(TimeSpan.FromSeconds(40));
                Interlocked.Add(ref totals.StartupMs, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);

                // Kill inside the write loop: after a random number of acknowledged writes, plus a random extra delay.
                await child.WaitForLinesAsync(1 + random.Next(1, 6), TimeSpan.FromSeconds(5));
                int delay = random.Next(0, 8);
                if (delay > 0) await Task.Delay(delay);
                await child.KillAsync();
                lines = child.Lines();
            }

            Interlocked.Increment(ref totals.Kills);
            var newAcks = lines.Where(l => l.StartsWith("A ", StringComparison.Ordinal)).Select(l => l[2..]).ToList();
            Interlocked.Add(ref totals.Acks, lines.Length - 1);
            Interlocked.Add(ref totals.Appends, newAcks.Count);
            foreach (var l in lines.Where(l => l.StartsWith("R ", StringComparison.Ordinal))) scratchGeneration = long.Parse(l[2..], CultureInfo.InvariantCulture);
            foreach (var l in lines.Where(l => l.StartsWith("U ", StringComparison.Ordinal))) lastVersion = long.Parse(l[2..], CultureInfo.InvariantCulture);
            string where = $"slot {slot} after kill {life}";

            var info = await checker.GetAsync($"main-{slot}");
            Assert.That(info, Is.Not.Null, $"main session lost, {where}");
            var messages = await checker.GetMessagesAsync($"main-{slot}", MessageRange.All);
            var stored = messages.Select(m => m.Text.Split(' ')[0]).ToList();
            Assert.That(messages.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(1, messages.Count).Select(i => (long)i)), $"sequences, {where}");
            Assert.That(info!.MessageCount, Is.EqualTo(messages.Count), $"message count, {where}");
            Assert.That(info.Version, Is.GreaterThanOrEqualTo(lastVersion), $"acknowledged update lost, {where}");

            // Stored = everything known before + this child's acks, in order, + at most one in-flight batch (≤ 3).
            var expectedPrefix = known.Concat(newAcks).ToList();
            Assert.That(stored.Take(expectedPrefix.Count), Is.EqualTo(expectedPrefix), $"acknowledged append lost, {where}");
            int extras = stored.Count - expectedPrefix.Count;
            Assert.That(extras, Is.InRange(0, 3), $"{extras} unacknowledged messages, {where}");
            Interlocked.Add(ref totals.InFlight, extras);
            known = stored;

            var scratch = await checker.GetAsync($"scratch-{slot}");
            var scratchMessages = await checker.GetMessagesAsync($"scratch-{slot}", MessageRange.All);
            long titleGeneration = long.Parse(scratch!.Title, CultureInfo.InvariantCulture);
            if (titleGeneration == 0 && scratchMessages.Count == 0) continue;
            var generations = scratchMessages.Select(m => long.Parse(m.Text[3..m.Text.IndexOf('-', StringComparison.Ordinal)], CultureInfo.InvariantCulture)).Distinct().ToList();
            Assert.That(generations, Has.Count.EqualTo(1), $"scratch mixes generations, {where}");
            long generation = generations[0];
            Assert.That(generation, Is.InRange(titleGeneration, titleGeneration + 1), $"scratch generation, {where}");
            Assert.That(generation, Is.GreaterThanOrEqualTo(scratchGeneration), $"acknowledged replace lost, {where}");
            Assert.That(scratchMessages, Has.Count.EqualTo((int)(generation % 5) + 1), $"partial replace, {where}");
            scratchGeneration = Math.Max(scratchGeneration, titleGeneration);
        }
    }

    private static SessionInfo Session(string id, string title) =>
        new() { Id = id, Title = title, CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch };

    private sealed class Totals
    {
        public int Kills;
        public int Acks;
        public int Appends;
        public int InFlight;
        public long StartupMs;
    }
}
