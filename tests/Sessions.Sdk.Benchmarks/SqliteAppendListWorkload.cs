using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W7 on SQLite (WAL): W1 (append one at a time, each committed before the call returns) and W3 (list 1,000 sessions).</summary>
internal sealed class SqliteAppendListWorkload : IWorkload
{
    public string Id => "W7-SQLite";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        string directory = Path.Combine(harness.WorkDirectory, "w7-sqlite");
        Directory.CreateDirectory(directory);
        string m1 = Harness.Size(1000, 100).ToString(CultureInfo.InvariantCulture), m2 = Harness.Size(10000, 200).ToString(CultureInfo.InvariantCulture);
        var small = await harness.MeasureAsync(SqliteAppendMeasurement.MeasurementName, directory, m1, "normal");
        var large = await harness.MeasureAsync(SqliteAppendMeasurement.MeasurementName, directory, m2, "normal");
        var reference = await harness.MeasureAsync(SqliteReferenceMeasurement.MeasurementName, directory, m2, "normal");
        var durable = await harness.MeasureAsync(SqliteAppendMeasurement.MeasurementName, directory, m1, "full");
        var durableReference = await harness.MeasureAsync(SqliteReferenceMeasurement.MeasurementName, directory, m1, "full");
        harness.Add(Id, "append M = 10,000 one at a time (WAL, synchronous=NORMAL, no fsync per commit): per append, last 100", large["last100"], "ms", "≤ 0.2 ms", large["last100"] <= 0.2);
        harness.Add(Id, "append M = 10,000: per append, mean", large["mean"], "ms", "≤ 0.2 ms", large["mean"] <= 0.2);
        harness.Add(Id, "append M = 10,000: CPU time per append (user + sys of the process; wall minus this is waiting: fsync at checkpoints, other load)", large["cpuMean"], "ms");
        harness.Add(Id, "append M = 10,000: per append, first 100", large["first100"], "ms");
        harness.Add(Id, "append M = 10,000: total", large["total"], "ms");
        harness.Add(Id, "append M = 10,000: bytes on disk (db + WAL, payload + FTS index)", large["bytes"], "B");
        harness.Add(Id, "append M = 10,000: message rows still waiting to be indexed when the last append returned (the next search indexes them)", large["pending"], string.Empty);
        harness.Add(Id, "append M = 1,000: per append, last 100", small["last100"], "ms");
        double scaling = large["last100"] / small["last100"];
        harness.Add(Id, "scaling: last-100 at M = 10,000 ÷ at M = 1,000", scaling, "x", "≤ 1.5 (O(1))", scaling <= 1.5);
        harness.Add(Id, "reference (no library): one autocommit INSERT of the same JSON per row, WAL NORMAL", reference["mean"], "ms");
        double normalRatio = large["mean"] / reference["mean"];
        harness.Add(Id, "append ÷ reference, mean of M = 10,000 each (search indexing in background batches of 32, included)", normalRatio, "x", "≤ 2×", normalRatio <= 2);
        double normalLast = large["last100"] / reference["last100"];
        harness.Add(Id, "append ÷ reference, last 100 each", normalLast, "x");
        harness.Add(Id, "reference (no library): autocommit INSERT, WAL NORMAL, per row, last 100", reference["last100"], "ms");
        harness.Add(Id, "FTS5 indexing alone (no library) of the same text, as the store indexes (batches of 32 + merge): per message", reference["fts"], "ms");
        double withIndex = large["mean"] / (reference["mean"] + reference["fts"]);
        harness.Add(Id, "append ÷ (reference INSERT + FTS5 indexing alone), mean of M = 10,000 (the library's own overhead over the work it must do)", withIndex, "x");
        harness.Add(Id, "durable: append M = 1,000 with synchronous=FULL (fsync per commit): per append, mean (incl. JIT warm-up)", durable["mean"], "ms");
        harness.Add(Id, "durable: per append, last 100", durable["last100"], "ms");
        harness.Add(Id, "durable reference (no library): autocommit INSERT, WAL FULL, per row, last 100", durableReference["last100"], "ms");
        double durableRatio = durable["last100"] / durableReference["last100"];
        harness.Add(Id, "durable append ÷ durable reference (last 100 each)", durableRatio, "x", "≤ 1.3×", durableRatio <= 1.3);

        // The same comparison interleaved in one process (blocks of 50 alternating), which holds on a loaded machine.
        string interleavedCount = Harness.Size(4000, 200).ToString(CultureInfo.InvariantCulture);
        var interleaved = await harness.MeasureAsync(SqliteInterleavedMeasurement.MeasurementName, directory, interleavedCount, "normal");
        var interleavedDurable = await harness.MeasureAsync(SqliteInterleavedMeasurement.MeasurementName, directory, Harness.Size(1000, 200).ToString(CultureInfo.InvariantCulture), "full");
        harness.Add(Id, "interleaved (blocks of 50 appends / 50 reference INSERTs, 4,000 each): append per op, WAL NORMAL", interleaved["append"], "ms");
        harness.Add(Id, "interleaved: reference INSERT per op, WAL NORMAL", interleaved["reference"], "ms");
        harness.Add(Id, "interleaved: append ÷ reference, median of block ratios (normal)", interleaved["ratio"], "x", "≤ 2×", interleaved["ratio"] <= 2);
        harness.Add(Id, "interleaved: append ÷ reference, total time of all measured blocks (normal; background indexing falls in either side's blocks)", interleaved["meanRatio"], "x");
        harness.Add(Id, "interleaved: CPU time append ÷ reference (normal; background indexing counted where it ran)", interleaved["cpuRatio"], "x");
        harness.Add(Id, "interleaved durable (synchronous=FULL, 1,000 each): append per op", interleavedDurable["append"], "ms");
        harness.Add(Id, "interleaved durable: reference INSERT per op", interleavedDurable["reference"], "ms");
        harness.Add(Id, "interleaved durable: append ÷ reference, median of block ratios", interleavedDurable["ratio"], "x", "≤ 1.3×", interleavedDurable["ratio"] <= 1.3);
        harness.Add(Id, "interleaved durable: append ÷ reference, total time of all measured blocks", interleavedDurable["meanRatio"], "x");
        harness.Add(Id, "interleaved durable: CPU time append ÷ reference", interleavedDurable["cpuRatio"], "x");

        var pages = await harness.MeasureAsync(SqlitePagesMeasurement.MeasurementName, directory);
        harness.Add(Id, "write-ahead log pages per append (message row and key, plus the background index rounds; 200 appends, no checkpoint in between)", pages["append"], string.Empty);
        harness.Add(Id, "the same without the background index rounds (index batch above 200: the append's own commits)", pages["appendOnly"], string.Empty);
        harness.Add(Id, "reference: log pages per autocommit INSERT of the same JSON", pages["reference"], string.Empty);
        harness.Add(Id, "log pages: append ÷ reference (append's own commits)", pages["appendOnly"] / pages["reference"], "x");

        string listDatabase = Path.Combine(directory, "list.db");
        var setup = Stopwatch.StartNew();
        await Harness.RunChildProcessAsync(SqliteFixtureMeasurement.MeasurementName, listDatabase, SqliteListMeasurement.Sessions.ToString(CultureInfo.InvariantCulture), Harness.Size(50, 5).ToString(CultureInfo.InvariantCulture));
        Console.Error.WriteLine($"{Id}: list fixture of 1,000 × 50 messages written through the store in {setup.Elapsed.TotalSeconds:0.0} s");
        var list = await harness.MeasureAsync(SqliteListMeasurement.MeasurementName, listDatabase);
        harness.Add(Id, "new process: open store (first connection, PRAGMAs, schema check)", list["open"], "ms");
        harness.Add(Id, "new process: of which JIT compiling during the open (process start to open)", list["openJit"], "ms");
        harness.Add(Id, "new process: first list of 1,000 sessions (name, count, updated)", list["cold"], "ms", "≤ 20 ms", list["cold"] <= 20);
        harness.Add(Id, "new process: of which JIT compiling during the first list", list["coldJit"], "ms");
        harness.Add(Id, "new process: methods JIT-compiled during the first list", list["coldMethods"], string.Empty);
        harness.Add(Id, "list 1,000 sessions again (warm)", list["warm"], "ms", "≤ 20 ms", list["warm"] <= 20);
        if (await harness.MeasureReadyToRunAsync(SqliteListMeasurement.MeasurementName, listDatabase) is { } r2r)
        {
            harness.Add(Id, "the same, child published ReadyToRun: open store", r2r["open"], "ms");
            harness.Add(Id, "ReadyToRun: first list of 1,000 sessions", r2r["cold"], "ms", "≤ 20 ms", r2r["cold"] <= 20);
            harness.Add(Id, "ReadyToRun: of which JIT compiling during the first list", r2r["coldJit"], "ms");
            harness.Add(Id, "ReadyToRun: methods JIT-compiled during the first list", r2r["coldMethods"], string.Empty);
        }

        harness.Add(Id, "database of 1,000 × 50 messages on disk", SqliteBench.BytesOnDisk(listDatabase), "B");
    }
}

/// <summary>The W7-SQLite append child: creates a session in a new database and appends M messages one at a time, each awaited.</summary>
internal sealed class SqliteAppendMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w7-sqlite-append";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        int count = int.Parse(args[1], CultureInfo.InvariantCulture);
        string database = Path.Combine(args[0], $"append-{Guid.NewGuid():N}.db");
        var storage = SqliteBench.CreateStorage(database, fullSync: args[2] == "full");
        try
        {
            var time = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            var messages = SqliteBench.Messages(42, count, time);
            await storage.CreateAsync(new SessionInfo { Id = "bench-session", CreatedAt = time, UpdatedAt = time }, []);
            var each = new double[count];
            var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < count; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                await storage.AppendMessagesAsync("bench-session", [messages[i]]);
                each[i] = Harness.ElapsedMs(t0, Stopwatch.GetTimestamp());
            }

            double total = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalMilliseconds;
            var info = await storage.GetAsync("bench-session");
            if (info!.MessageCount != count) throw new InvalidOperationException($"expected {count} messages, found {info.MessageCount}");
            long pending = await SqliteBench.PendingIndexRowsAsync(database);
            long bytes = SqliteBench.BytesOnDisk(database);
            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["total"] = total,
                ["mean"] = total / count,
                ["first100"] = each.Take(100).Average(),
                ["last100"] = each.Skip(count - 100).Average(),
                ["bytes"] = bytes,
                ["cpuMean"] = cpu / count,
                ["pending"] = pending,
            };
        }
        finally
        {
            SqliteBench.Dispose(storage);
            SqliteConnection.ClearAllPools();
            foreach (var f in new[] { database, database + "-wal", database + "-shm" }) File.Delete(f);
        }
    }
}

/// <summary>The W7-SQLite reference: autocommit single-row INSERTs of the same message JSON through Microsoft.Data.Sqlite alone.</summary>
internal sealed class SqliteReferenceMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w7-sqlite-reference";

    public string Name => MeasurementName;

    public Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        int count = int.Parse(args[1], CultureInfo.InvariantCulture);
        string database = Path.Combine(args[0], $"reference-{Guid.NewGuid():N}.db");
        try
        {
            using var reference = new SqliteReferenceTable(database, $"PRAGMA synchronous={(args[2] == "full" ? "FULL" : "NORMAL")};");
            var messages = SqliteBench.Messages(42, count, new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
            var each = new double[count];
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < count; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                reference.Insert(messages[i], i + 1);
                each[i] = Harness.ElapsedMs(t0, Stopwatch.GetTimestamp());
            }

            double total = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
            double fts = SqliteReferenceFts.PerMessage(reference.Connection, messages);
            return Task.FromResult<IReadOnlyDictionary<string, double>>(new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["mean"] = total / count,
                ["last100"] = each.Skip(count - 100).Average(),
                ["fts"] = fts,
            });
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var f in new[] { database, database + "-wal", database + "-shm" }) File.Delete(f);
        }
    }
}

/// <summary>The cost the store's search index adds per message, measured without the store: FTS5 indexing alone.</summary>
internal static class SqliteReferenceFts
{
    /// <summary>Indexes the messages' text with the store's FTS5 definition (external content, unicode61 without diacritics,
    /// two-character prefixes, automerge off), in transactions of 32 rows each followed by a merge of 4 pages per row, as the
    /// store's background rounds do; returns the wall time per message (ms). The text rows are written first, untimed.</summary>
    public static double PerMessage(SqliteConnection connection, SessionMessage[] messages)
    {
        using (var setup = connection.CreateCommand())
        {
            setup.CommandText = "CREATE TABLE fts_text (id INTEGER PRIMARY KEY, text TEXT NOT NULL); " +
                "CREATE VIRTUAL TABLE fts_index USING fts5(text, content='fts_text', content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2'); " +
                "INSERT INTO fts_index(fts_index, rank) VALUES ('automerge', 0)";
            setup.ExecuteNonQuery();
        }

        using (var transaction = connection.BeginTransaction())
        {
            using var text = connection.CreateCommand();
            text.CommandText = "INSERT INTO fts_text (id, text) VALUES ($id, $text)";
            var id = text.Parameters.Add("$id", SqliteType.Integer);
            var value = text.Parameters.Add("$text", SqliteType.Text);
            for (int i = 0; i < messages.Length; i++)
            {
                id.Value = i + 1;
                value.Value = messages[i].Text;
                text.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE";
        using var index = connection.CreateCommand();
        index.CommandText = "INSERT INTO fts_index(rowid, text) SELECT id, text FROM fts_text WHERE id > $from AND id <= $to";
        var from = index.Parameters.Add("$from", SqliteType.Integer);
        var to = index.Parameters.Add("$to", SqliteType.Integer);
        using var merge = connection.CreateCommand();
        merge.CommandText = "INSERT INTO fts_index(fts_index, rank) VALUES ('merge', 128)";
        using var commit = connection.CreateCommand();
        commit.CommandText = "COMMIT";
        long start = Stopwatch.GetTimestamp();
        for (int first = 0; first < messages.Length; first += 32)
        {
            begin.ExecuteNonQuery();
            from.Value = first;
            to.Value = first + 32;
            index.ExecuteNonQuery();
            merge.ExecuteNonQuery();
            commit.ExecuteNonQuery();
        }

        return Harness.ElapsedMs(start, Stopwatch.GetTimestamp()) / messages.Length;
    }
}

/// <summary>The W7-SQLite list child: lists every session in a fresh process (cold), then once more (warm).</summary>
internal sealed class SqliteListMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w7-sqlite-list";

    public static int Sessions => Harness.Size(1000, 20);

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        long start = Stopwatch.GetTimestamp();
        var storage = SqliteBench.CreateStorage(args[0]);
        try
        {
            await storage.ExistsAsync("s0000");
            double openMs = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
            double openJit = System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds;
            var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
            long methodsBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
            long coldStart = Stopwatch.GetTimestamp();
            int cold = await CountAsync(storage);
            double coldMs = Harness.ElapsedMs(coldStart, Stopwatch.GetTimestamp());
            double coldJit = (System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds;
            long coldMethods = System.Runtime.JitInfo.GetCompiledMethodCount() - methodsBefore;
            long warmStart = Stopwatch.GetTimestamp();
            int warm = await CountAsync(storage);
            double warmMs = Harness.ElapsedMs(warmStart, Stopwatch.GetTimestamp());
            if (cold != Sessions || warm != Sessions) throw new InvalidOperationException($"listed {cold}/{warm} sessions, expected {Sessions}");
            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["open"] = openMs, ["openJit"] = openJit, ["cold"] = coldMs, ["coldJit"] = coldJit, ["coldMethods"] = coldMethods, ["warm"] = warmMs,
            };
        }
        finally
        {
            SqliteBench.Dispose(storage);
        }
    }

    private static async Task<int> CountAsync(ISessionStorage storage)
    {
        int count = 0;
        long checksum = 0;
        await foreach (var session in storage.ListAsync(SessionQuery.All))
        {
            count++;
            checksum += session.MessageCount + session.Title.Length + (session.UpdatedAt.Ticks % 2);
        }

        return checksum > 0 ? count : -1;
    }
}

/// <summary>
/// The W7-SQLite interleaved ratio: one child appends through the store and INSERTs into a reference database in alternating
/// blocks, so both sides see the same machine load (the figure that holds on a shared, loaded machine). Per block: mean wall time
/// per operation; the ratio is the median over blocks of append ÷ reference. Also CPU time per operation of each side.
/// </summary>
internal sealed class SqliteInterleavedMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w7-sqlite-interleaved";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        int count = int.Parse(args[1], CultureInfo.InvariantCulture);
        bool full = args[2] == "full";
        const int block = 50;
        string database = Path.Combine(args[0], $"interleaved-{Guid.NewGuid():N}.db");
        string referenceDatabase = Path.Combine(args[0], $"interleaved-ref-{Guid.NewGuid():N}.db");
        var storage = SqliteBench.CreateStorage(database, fullSync: full);
        try
        {
            using var reference = new SqliteReferenceTable(referenceDatabase, $"PRAGMA synchronous={(full ? "FULL" : "NORMAL")};");
            var time = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            var messages = SqliteBench.Messages(42, count, time);
            await storage.CreateAsync(new SessionInfo { Id = "bench-session", CreatedAt = time, UpdatedAt = time }, []);
            var ratios = new List<double>();
            double appendMs = 0, referenceMs = 0, appendCpu = 0, referenceCpu = 0;
            int measured = 0;
            var process = Process.GetCurrentProcess();
            for (int start = 0; start + block <= count; start += block)
            {
                bool warmup = start < count / 10;
                process.Refresh();
                var cpu0 = process.TotalProcessorTime;
                long t0 = Stopwatch.GetTimestamp();
                for (int i = start; i < start + block; i++) await storage.AppendMessagesAsync("bench-session", [messages[i]]);
                double a = Harness.ElapsedMs(t0, Stopwatch.GetTimestamp()) / block;
                process.Refresh();
                var cpu1 = process.TotalProcessorTime;
                long t1 = Stopwatch.GetTimestamp();
                for (int i = start; i < start + block; i++)
                {
                    reference.Insert(messages[i], i + 1);
                }

                double r = Harness.ElapsedMs(t1, Stopwatch.GetTimestamp()) / block;
                process.Refresh();
                var cpu2 = process.TotalProcessorTime;
                if (warmup) continue;
                measured += block;
                appendMs += a * block;
                referenceMs += r * block;
                appendCpu += (cpu1 - cpu0).TotalMilliseconds;
                referenceCpu += (cpu2 - cpu1).TotalMilliseconds;
                ratios.Add(a / r);
            }

            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["append"] = appendMs / measured,
                ["reference"] = referenceMs / measured,
                ["ratio"] = SqliteBench.Percentile(ratios, 0.5),
                ["meanRatio"] = appendMs / referenceMs,
                ["appendCpu"] = appendCpu / measured,
                ["referenceCpu"] = referenceCpu / measured,
                ["cpuRatio"] = appendCpu / Math.Max(referenceCpu, 1e-9),
            };
        }
        finally
        {
            SqliteBench.Dispose(storage);
            SqliteConnection.ClearAllPools();
            foreach (var f in new[] { database, referenceDatabase }.SelectMany(d => new[] { d, d + "-wal", d + "-shm" })) File.Delete(f);
        }
    }
}

/// <summary>
/// The W7-SQLite I/O comparison: how many pages each commit adds to the write-ahead log, counted from the log's growth over 200
/// single-message appends (after 20 to warm up) with no checkpoint in between, for the store (with and without its background index
/// rounds in the window) and for the reference's autocommit INSERT.
/// </summary>
internal sealed class SqlitePagesMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w7-sqlite-pages";

    private const int Warmup = 20;
    private const int Counted = 200;

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        var messages = SqliteBench.Messages(42, Warmup + Counted, new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["append"] = await StoreAsync(args[0], messages, indexBatch: null),
            ["appendOnly"] = await StoreAsync(args[0], messages, indexBatch: Warmup + Counted + 1),
            ["reference"] = Reference(args[0], messages),
        };
    }

    private static async Task<double> StoreAsync(string directory, SessionMessage[] messages, int? indexBatch)
    {
        string database = Path.Combine(directory, $"pages-{Guid.NewGuid():N}.db");
        var storage = SqliteBench.CreateStorage(database, indexBatch: indexBatch);
        try
        {
            var time = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            await storage.CreateAsync(new SessionInfo { Id = "bench-session", CreatedAt = time, UpdatedAt = time }, []);
            for (int i = 0; i < Warmup; i++) await storage.AppendMessagesAsync("bench-session", [messages[i]]);
            long before = new FileInfo(database + "-wal").Length;
            for (int i = Warmup; i < Warmup + Counted; i++) await storage.AppendMessagesAsync("bench-session", [messages[i]]);
            long after = new FileInfo(database + "-wal").Length;
            return Frames(after - before, PageSize(database)) / Counted;
        }
        finally
        {
            SqliteBench.Dispose(storage);
            SqliteConnection.ClearAllPools();
            foreach (var f in new[] { database, database + "-wal", database + "-shm" }) File.Delete(f);
        }
    }

    private static double Reference(string directory, SessionMessage[] messages)
    {
        string database = Path.Combine(directory, $"pages-ref-{Guid.NewGuid():N}.db");
        try
        {
            using var reference = new SqliteReferenceTable(database, "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;");
            long before = 0;
            for (int i = 0; i < Warmup + Counted; i++)
            {
                if (i == Warmup) before = new FileInfo(database + "-wal").Length;
                reference.Insert(messages[i], i + 1);
            }

            return Frames(new FileInfo(database + "-wal").Length - before, PageSize(database)) / Counted;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var f in new[] { database, database + "-wal", database + "-shm" }) File.Delete(f);
        }
    }

    private static double Frames(long bytes, long pageSize) => bytes / (double)(pageSize + 24); // a frame: 24-byte header + page

    private static long PageSize(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_size";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
