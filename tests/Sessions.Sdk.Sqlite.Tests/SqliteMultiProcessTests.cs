using System.Diagnostics;
using System.Globalization;

namespace Sessions.Sdk.Tests;

/// <summary>Proves that processes appending to one session of one SQLite file never lose or duplicate an append.</summary>
[TestFixture]
[Category("MultiProcess")]
public sealed class SqliteMultiProcessTests : SqliteDatabaseTests
{
    [TestCase(2)]
    [TestCase(4)]
    [CancelAfter(85_000)]
    public async Task AppendMessagesAsync_ProcessesAppendingToOneSession_NoneLostOrDuplicated(int processes)
    {
        const int perProcess = 500;
        const string sessionId = "shared-session";
        using (var setup = Database.CreateStore())
        {
            await setup.CreateAsync(new SessionInfo { Id = sessionId, CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch }, []);
        }

        var children = Enumerable.Range(0, processes)
            .Select(p => SqliteTestHostProcess.Start("sqlite-append", Database.FilePath, sessionId, perProcess.ToString(CultureInfo.InvariantCulture), $"w{p}"))
            .ToArray();
        try
        {
            await Task.WhenAll(children.Select(c => c.Ready)).WaitAsync(TimeSpan.FromSeconds(30));
            var stopwatch = Stopwatch.StartNew();
            await Task.WhenAll(children.Select(c => c.SendAsync("go")));
            int[] exitCodes = await Task.WhenAll(children.Select(c => c.WaitForExitAsync(TimeSpan.FromSeconds(75))));
            stopwatch.Stop();

            using var store = Database.CreateStore();
            var messages = await store.GetMessagesAsync(sessionId, MessageRange.All);
            var info = await store.GetAsync(sessionId);
            int acked = children.Sum(c => c.Lines().Count(l => l.StartsWith("ack ", StringComparison.Ordinal)));
            var texts = messages.Select(m => m.Text).ToList();
            int lost = 0;
            for (int p = 0; p < processes; p++)
            {
                for (int i = 0; i < perProcess; i++)
                {
                    if (!texts.Contains($"w{p}:{i}")) lost++;
                }
            }

            int duplicated = texts.Count - texts.Distinct(StringComparer.Ordinal).Count();
            TestContext.Out.WriteLine(
                $"{processes} processes x {perProcess} appends: {acked} acked, {messages.Count} stored, {lost} lost, {duplicated} duplicated, " +
                $"{stopwatch.Elapsed.TotalSeconds:0.00} s ({stopwatch.Elapsed.TotalMilliseconds / (processes * perProcess):0.000} ms per append overall)");

            using (Assert.EnterMultipleScope())
            {
                Assert.That(exitCodes, Is.All.Zero, string.Join(" | ", children.SelectMany(c => c.Lines().Where(l => l.StartsWith("error", StringComparison.Ordinal)))));
                Assert.That(acked, Is.EqualTo(processes * perProcess));
                Assert.That(lost, Is.Zero);
                Assert.That(duplicated, Is.Zero);
                Assert.That(messages, Has.Count.EqualTo(processes * perProcess));
                Assert.That(info!.MessageCount, Is.EqualTo(processes * perProcess));
                Assert.That(messages.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(1, processes * perProcess).Select(i => (long)i)));
            }

            for (int p = 0; p < processes; p++)
            {
                string prefix = $"w{p}:";
                var own = texts.Where(t => t.StartsWith(prefix, StringComparison.Ordinal)).ToList();
                Assert.That(own, Is.EqualTo(Enumerable.Range(0, perProcess).Select(i => prefix + i.ToString(CultureInfo.InvariantCulture))), $"writer {p} order");
            }

            // Issue 15: the writers never indexed their appends in the append itself (background batches, killed or not reached at
            // exit); a search from this process right after they finished still finds every message of every writer.
            for (int p = 0; p < processes; p++)
            {
                var hits = new List<SessionSearchHit>();
                await foreach (var hit in store.SearchAsync(new SessionSearchQuery { Text = $"w{p}", Take = 10_000, IncludeTitles = false })) hits.Add(hit);
                Assert.That(hits.Select(h => messages[(int)h.Sequence!.Value - 1].Text), Is.EquivalentTo(Enumerable.Range(0, perProcess).Select(i => $"w{p}:{i}")), $"search for writer {p}");
            }

            // Every acknowledged sequence is the one actually stored for that writer's message.
            foreach (var (child, p) in children.Select((c, p) => (c, p)))
            {
                foreach (var line in child.Lines().Where(l => l.StartsWith("ack ", StringComparison.Ordinal)))
                {
                    var parts = line.Split(' ');
                    long seq = long.Parse(parts[2], CultureInfo.InvariantCulture);
                    Assert.That(messages[(int)seq - 1].Text, Is.EqualTo($"w{p}:{parts[1]}"));
                }
            }
        }
        finally
        {
            foreach (var child in children) child.Dispose();
        }
    }
}
