using System.Diagnostics;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W6 on PostgreSQL: full-text search with snippets over 1,000 sessions × 100 messages.</summary>
internal sealed class PostgreSqlSearchWorkload : IWorkload
{
    public static int Sessions => Harness.Size(1000, 20);

    public static int MessagesPerSession => Harness.Size(100, 10);

    public string Id => "W6-PostgreSql";

    public static uint SeedOf(int session) => (uint)(43 + session);

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        if (PostgreSqlBench.ConnectionStringOrSkip(Id) is null) return;
        string schema = PostgreSqlBench.NewSchema("w6");
        try
        {
            var setup = Stopwatch.StartNew();
            await PostgreSqlBench.CreateFixtureAsync(schema, Sessions, MessagesPerSession, SeedOf);
            Console.Error.WriteLine($"{Id}: fixture of {Sessions} x {MessagesPerSession} messages written through the store in {setup.Elapsed.TotalSeconds:0.0} s");
            await PostgreSqlBench.VacuumAsync(schema);
            var figures = await harness.MeasureAsync(PostgreSqlSearchMeasurement.MeasurementName, schema);
            string server = await PostgreSqlBench.ServerSettingsAsync();
            harness.Add(Id, $"search p50, 50 queries with snippets, 1,000 × 100 msgs ({server}, loopback)", figures["p50"], "ms", "≤ 15 ms", figures["p50"] <= 15);
            harness.Add(Id, "search p95", figures["p95"], "ms");
            harness.Add(Id, "p50 one exact word", figures["p50Exact"], "ms");
            harness.Add(Id, "p50 word + prefix of a second word", figures["p50Two"], "ms");
            harness.Add(Id, "p50 two-letter prefix (broad: hundreds of matches ranked)", figures["p50Prefix"], "ms");
            harness.Add(Id, "mean hits returned per query (take 20)", figures["hits"], string.Empty);
            harness.Add(Id, $"first search right after a burst of {PostgreSqlSearchMeasurement.Burst} appends (finds all of them)", figures["afterBurst"], "ms", "≤ 15 ms", figures["afterBurst"] <= 15);
            harness.Add(Id, "appends in the burst, per append", figures["burstAppend"], "ms");
            harness.AddNote(Id, "fixture", "vacuumed once after it is written (VACUUM ANALYZE, what autovacuum does after a bulk load), so the searches do not scan the GIN pending list the 100,000-message load left unmerged, whose size depended on whether autovacuum had run yet");
        }
        finally
        {
            await PostgreSqlBench.DropSchemaAsync(schema);
        }
    }
}

/// <summary>The W6-PostgreSql child: opens the store in a fresh process and times each query of a fixed, corpus-derived list.</summary>
internal sealed class PostgreSqlSearchMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w6-postgresql-search";

    public static int Burst => Harness.Size(200, 10);

    public string Name => MeasurementName;

    /// <summary>Builds 50 queries from the corpus: 20 exact words, 20 word + prefix, 10 two-letter prefixes.</summary>
    public static List<(string Group, string Text)> Queries()
    {
        var random = new Random(6);
        var queries = new List<(string, string)>();
        while (queries.Count < 50)
        {
            int s = random.Next(PostgreSqlSearchWorkload.Sessions);
            int m = random.Next(PostgreSqlSearchWorkload.MessagesPerSession);
            var generator = new ContentGenerator(PostgreSqlSearchWorkload.SeedOf(s));
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
        var storage = PostgreSqlBench.CreateStorage(args[0]);
        var search = (ISessionSearch)storage;
        try
        {
            var queries = Queries();
            foreach (var (_, text) in queries.Take(3)) await CountAsync(search, text + "warmup");
            var times = new Dictionary<string, List<double>>(StringComparer.Ordinal) { ["exact"] = [], ["two"] = [], ["prefix"] = [] };
            var all = new List<double>();
            double hits = 0;
            foreach (var (group, text) in queries)
            {
                long start = Stopwatch.GetTimestamp();
                int found = await CountAsync(search, text);
                double ms = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
                if (found == 0) throw new InvalidOperationException($"query '{text}' ({group}) found nothing; the fixture is wrong");
                hits += found;
                times[group].Add(ms);
                all.Add(ms);
            }

            // A burst of appends, then at once the first search for a word only they contain: it must find every one.
            string word = "burst" + Guid.NewGuid().ToString("N")[..12];
            var time = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
            long burstStart = Stopwatch.GetTimestamp();
            for (int i = 0; i < Burst; i++)
            {
                await storage.AppendMessagesAsync("s0000", [PostgreSqlBench.Message(i, $"appended {word} number {i}", time.AddSeconds(i))]);
            }

            double burstMs = Harness.ElapsedMs(burstStart, Stopwatch.GetTimestamp());
            long afterStart = Stopwatch.GetTimestamp();
            int burstHits = 0;
            await foreach (var hit in search.SearchAsync(new SessionSearchQuery { Text = word, Take = 10_000 })) burstHits++;
            double afterMs = Harness.ElapsedMs(afterStart, Stopwatch.GetTimestamp());
            if (burstHits != Burst) throw new InvalidOperationException($"the search right after the burst found {burstHits} of {Burst} appended messages");

            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["afterBurst"] = afterMs,
                ["burstAppend"] = burstMs / Burst,
                ["p50"] = PostgreSqlBench.Percentile(all, 0.5),
                ["p95"] = PostgreSqlBench.Percentile(all, 0.95),
                ["p50Exact"] = PostgreSqlBench.Percentile(times["exact"], 0.5),
                ["p50Two"] = PostgreSqlBench.Percentile(times["two"], 0.5),
                ["p50Prefix"] = PostgreSqlBench.Percentile(times["prefix"], 0.5),
                ["hits"] = hits / queries.Count,
            };
        }
        finally
        {
            await PostgreSqlBench.DisposeAsync(storage);
        }
    }

    private static async Task<int> CountAsync(ISessionSearch search, string text)
    {
        int count = 0;
        await foreach (var hit in search.SearchAsync(new SessionSearchQuery { Text = text }))
        {
            if (hit.Snippet.Length == 0) throw new InvalidOperationException("a hit without a snippet");
            count++;
        }

        return count;
    }
}
