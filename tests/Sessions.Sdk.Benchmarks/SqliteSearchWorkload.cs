using System.Diagnostics;
using System.Globalization;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W6 on SQLite: FTS5 full-text search with bm25 ranking and highlighted snippets over 1,000 sessions × 100 messages.</summary>
internal sealed class SqliteSearchWorkload : IWorkload
{
    public static int Sessions => Harness.Size(1000, 20);

    public static int MessagesPerSession => Harness.Size(100, 10);

    /// <summary>The burst appended one message at a time before the first search after it.</summary>
    public static int Burst => Harness.Size(1000, 50);

    public string Id => "W6-SQLite";

    public static uint SeedOf(int session) => (uint)(43 + session);

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        string directory = Path.Combine(harness.WorkDirectory, "w6-sqlite");
        Directory.CreateDirectory(directory);
        string database = Path.Combine(directory, "search.db");
        var setup = Stopwatch.StartNew();
        await Harness.RunChildProcessAsync(SqliteFixtureMeasurement.MeasurementName, database, Sessions.ToString(CultureInfo.InvariantCulture), MessagesPerSession.ToString(CultureInfo.InvariantCulture));
        Console.Error.WriteLine($"{Id}: fixture of {Sessions} x {MessagesPerSession} messages written through the store in {setup.Elapsed.TotalSeconds:0.0} s");
        var figures = await harness.MeasureAsync(SqliteSearchMeasurement.MeasurementName, database);
        harness.Add(Id, "search p50, 50 queries with snippets, 1,000 × 100 msgs (FTS5, bm25, take 20)", figures["p50"], "ms", "≤ 5 ms", figures["p50"] <= 5);
        harness.Add(Id, "search p95", figures["p95"], "ms");
        harness.Add(Id, "p50 one exact word", figures["p50Exact"], "ms");
        harness.Add(Id, "p50 word + prefix of a second word", figures["p50Two"], "ms");
        harness.Add(Id, "p50 two-letter prefix (broad: hundreds of matches ranked)", figures["p50Prefix"], "ms");
        harness.Add(Id, "p50 exact word with a date-range filter", figures["p50Filtered"], "ms");
        harness.Add(Id, "new process: first query (opens the store, JIT)", figures["first"], "ms");
        harness.Add(Id, "mean hits returned per query (take 20)", figures["hits"], string.Empty);
        harness.Add(Id, "first search right after a burst of 1,000 appends (indexes what is pending first; finds the last message)", figures["afterBurst"], "ms", "≤ 5 ms", figures["afterBurst"] <= 5);
        harness.Add(Id, "message rows still waiting to be indexed when that search began", figures["burstPending"], string.Empty);
        harness.Add(Id, "second search after the burst", figures["afterBurst2"], "ms");
        harness.Add(Id, "database on disk (payload + text + FTS5 index)", SqliteBench.BytesOnDisk(database), "B");
    }
}

/// <summary>The W6-SQLite child: opens the store in a fresh process and times each query of a fixed, corpus-derived list.</summary>
internal sealed class SqliteSearchMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w6-sqlite-search";

    public string Name => MeasurementName;

    /// <summary>Builds 50 queries from the corpus: 20 exact words, 20 word + prefix, 10 two-letter prefixes (same recipe as W6-PostgreSql).</summary>
    public static List<(string Group, string Text)> Queries()
    {
        var random = new Random(6);
        var queries = new List<(string, string)>();
        while (queries.Count < 50)
        {
            int s = random.Next(SqliteSearchWorkload.Sessions);
            int m = random.Next(SqliteSearchWorkload.MessagesPerSession);
            var generator = new ContentGenerator(SqliteSearchWorkload.SeedOf(s));
            string content = string.Empty;
            for (int i = 0; i <= m; i++) content = generator.Next();
            var words = content.Split([' ', '.'], StringSplitOptions.RemoveEmptyEntries).Where(w => w.Length >= 6).ToArray();
            if (words.Length < 2) continue;
            string a = words[random.Next(words.Length)], b = words[random.Next(words.Length)];
            if (queries.Count < 20) queries.Add(("exact", a));
            else if (queries.Count < 40) queries.Add(("two", a + " " + b[..3]));
            else queries.Add(("prefix", a[..2]));
        }

        return queries;
    }

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        var storage = SqliteBench.CreateStorage(args[0]);
        var search = (ISessionSearch)storage;
        try
        {
            var queries = Queries();
            long firstStart = Stopwatch.GetTimestamp();
            await CountAsync(search, new SessionSearchQuery { Text = "warmup" + queries[0].Text });
            double first = Harness.ElapsedMs(firstStart, Stopwatch.GetTimestamp());
            foreach (var (_, text) in queries.Skip(1).Take(2)) await CountAsync(search, new SessionSearchQuery { Text = text + "warmup" });
            var times = new Dictionary<string, List<double>>(StringComparer.Ordinal) { ["exact"] = [], ["two"] = [], ["prefix"] = [], ["filtered"] = [] };
            var all = new List<double>();
            double hits = 0;
            foreach (var (group, text) in queries)
            {
                long start = Stopwatch.GetTimestamp();
                int found = await CountAsync(search, new SessionSearchQuery { Text = text });
                double ms = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
                if (found == 0) throw new InvalidOperationException($"query '{text}' ({group}) found nothing; the fixture is wrong");
                hits += found;
                times[group].Add(ms);
                all.Add(ms);
            }

            var range = new SessionSearchQuery
            {
                Text = string.Empty,
                ProviderName = null,
                From = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
                To = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            };
            foreach (var (group, text) in queries.Where(q => q.Group == "exact"))
            {
                long start = Stopwatch.GetTimestamp();
                int found = await CountAsync(search, range with { Text = text });
                times["filtered"].Add(Harness.ElapsedMs(start, Stopwatch.GetTimestamp()));
                if (found == 0) throw new InvalidOperationException($"filtered query '{text}' found nothing");
            }

            // A burst of appends (one at a time, each committed), then at once a search for the last message's own word: the search
            // indexes whatever the background passes have not reached yet and must find it.
            string burstId = $"burst-{Environment.ProcessId}";
            await storage.CreateAsync(new SessionInfo { Id = burstId, Title = "burst", CreatedAt = range.From!.Value, UpdatedAt = range.From.Value }, []);
            var burst = SqliteBench.Messages(7, SqliteSearchWorkload.Burst, range.From.Value);
            for (int i = 0; i < burst.Length; i++)
            {
                var message = i == burst.Length - 1 ? burst[i] with { Message = new Microsoft.Extensions.AI.ChatMessage(burst[i].Message.Role, "burstmarker " + burst[i].Text) } : burst[i];
                await storage.AppendMessagesAsync(burstId, [message]);
            }

            double burstPending = await SqliteBench.PendingIndexRowsAsync(args[0]);
            long burstStart = Stopwatch.GetTimestamp();
            int burstHits = await CountAsync(search, new SessionSearchQuery { Text = "burstmarker" });
            double afterBurst = Harness.ElapsedMs(burstStart, Stopwatch.GetTimestamp());
            long burst2Start = Stopwatch.GetTimestamp();
            await CountAsync(search, new SessionSearchQuery { Text = queries[0].Text });
            double afterBurst2 = Harness.ElapsedMs(burst2Start, Stopwatch.GetTimestamp());
            if (burstHits != 1) throw new InvalidOperationException($"the search right after the burst found {burstHits} hits for the last appended message, expected 1");
            await storage.DeleteAsync(burstId);

            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["afterBurst"] = afterBurst,
                ["afterBurst2"] = afterBurst2,
                ["burstPending"] = burstPending,
                ["p50"] = SqliteBench.Percentile(all, 0.5),
                ["p95"] = SqliteBench.Percentile(all, 0.95),
                ["p50Exact"] = SqliteBench.Percentile(times["exact"], 0.5),
                ["p50Two"] = SqliteBench.Percentile(times["two"], 0.5),
                ["p50Prefix"] = SqliteBench.Percentile(times["prefix"], 0.5),
                ["p50Filtered"] = SqliteBench.Percentile(times["filtered"], 0.5),
                ["first"] = first,
                ["hits"] = hits / queries.Count,
            };
        }
        finally
        {
            SqliteBench.Dispose(storage);
        }
    }

    private static async Task<int> CountAsync(ISessionSearch search, SessionSearchQuery query)
    {
        int count = 0;
        await foreach (var hit in search.SearchAsync(query))
        {
            if (hit.Snippet.Length == 0) throw new InvalidOperationException("a hit without a snippet");
            count++;
        }

        return count;
    }
}
