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
        string smallM = Harness.Size(1000, 200).ToString(CultureInfo.InvariantCulture), largeM = Harness.Size(10_000, 300).ToString(CultureInfo.InvariantCulture);
        var small = await harness.MeasureAsync(SqliteAppendMeasurement.MeasurementName, directory, smallM, "normal");
        var large = await harness.MeasureAsync(SqliteAppendMeasurement.MeasurementName, directory, largeM, "normal");
        var reference = await harness.MeasureAsync(SqliteReferenceMeasurement.MeasurementName, directory, largeM, "normal");
        var durable = await harness.MeasureAsync(SqliteAppendMeasurement.MeasurementName, directory, smallM, "full");
        var durableReference = await harness.MeasureAsync(SqliteReferenceMeasurement.MeasurementName, directory, smallM, "full");
        harness.Add(Id, "append M = 10,000 one at a time (WAL, synchronous=NORMAL, no fsync per commit): per append, last 100", large["last100"], "ms", "≤ 0.2 ms", large["last100"] <= 0.2);
        harness.Add(Id, "append M = 10,000: per append, mean", large["mean"], "ms", "≤ 0.2 ms", large["mean"] <= 0.2);
        harness.Add(Id, "append M = 10,000: CPU time per append (user + sys of the process; wall minus this is waiting: fsync at checkpoints, other load)", large["cpuMean"], "ms");
        harness.Add(Id, "append M = 10,000: per append, first 100", large["first100"], "ms");
        harness.Add(Id, "append M = 10,000: total", large["total"], "ms");
        harness.Add(Id, "append M = 10,000: bytes on disk (db + WAL, payload + FTS index)", large["bytes"], "B");
        harness.Add(Id, "append M = 1,000: per append, last 100", small["last100"], "ms");
        double scaling = large["last100"] / small["last100"];
        harness.Add(Id, "scaling: last-100 at M = 10,000 ÷ at M = 1,000", scaling, "x", "≤ 1.5 (O(1))", scaling <= 1.5);
        harness.Add(Id, "reference (no library): one autocommit INSERT of the same JSON per row, WAL NORMAL", reference["mean"], "ms");
        harness.Add(Id, "append ÷ reference (library overhead over SQLite's own commit)", large["mean"] / reference["mean"], "x");
        harness.Add(Id, "durable: append M = 1,000 with synchronous=FULL (fsync per commit): per append, mean (incl. JIT warm-up)", durable["mean"], "ms");
        harness.Add(Id, "durable: per append, last 100", durable["last100"], "ms");
        harness.Add(Id, "durable reference (no library): autocommit INSERT, WAL FULL, per row, last 100", durableReference["last100"], "ms");
        double durableRatio = durable["last100"] / durableReference["last100"];
        harness.Add(Id, "durable append ÷ durable reference (last 100 each)", durableRatio, "x", "≤ 1.3×", durableRatio <= 1.3);

        string listDatabase = Path.Combine(directory, "list.db");
        var setup = Stopwatch.StartNew();
        await Harness.RunChildProcessAsync(SqliteFixtureMeasurement.MeasurementName, listDatabase, FileListWorkload.Sessions.ToString(CultureInfo.InvariantCulture), "50");
        Console.Error.WriteLine($"{Id}: list fixture of 1,000 × 50 messages written through the store in {setup.Elapsed.TotalSeconds:0.0} s");
        var list = await harness.MeasureAsync(SqliteListMeasurement.MeasurementName, listDatabase);
        harness.Add(Id, "new process: open store (first connection, PRAGMAs, schema check)", list["open"], "ms");
        harness.Add(Id, "new process: first list of 1,000 sessions (name, count, updated)", list["cold"], "ms", "≤ 20 ms", list["cold"] <= 20);
        harness.Add(Id, "list 1,000 sessions again (warm)", list["warm"], "ms", "≤ 20 ms", list["warm"] <= 20);
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
            long bytes = SqliteBench.BytesOnDisk(database);
            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["total"] = total,
                ["mean"] = total / count,
                ["first100"] = each.Take(100).Average(),
                ["last100"] = each.Skip(count - 100).Average(),
                ["bytes"] = bytes,
                ["cpuMean"] = cpu / count,
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
            using var connection = new SqliteConnection($"Data Source={database}");
            connection.Open();
            using (var setup = connection.CreateCommand())
            {
                setup.CommandText = $"PRAGMA journal_mode=WAL; PRAGMA synchronous={(args[2] == "full" ? "FULL" : "NORMAL")}; " +
                    "CREATE TABLE reference (session_id TEXT NOT NULL, seq INTEGER NOT NULL, payload BLOB NOT NULL, PRIMARY KEY (session_id, seq))";
                setup.ExecuteNonQuery();
            }

            var messages = SqliteBench.Messages(42, count, new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO reference (session_id, seq, payload) VALUES ('bench-session', $seq, $payload)";
            var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
            var payload = insert.Parameters.Add("$payload", SqliteType.Blob);
            insert.Prepare();
            var each = new double[count];
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < count; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                seq.Value = i + 1;
                payload.Value = SessionJson.SerializeMessage(messages[i] with { Sequence = i + 1 });
                insert.ExecuteNonQuery();
                each[i] = Harness.ElapsedMs(t0, Stopwatch.GetTimestamp());
            }

            double total = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
            return Task.FromResult<IReadOnlyDictionary<string, double>>(new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["mean"] = total / count,
                ["last100"] = each.Skip(count - 100).Average(),
            });
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var f in new[] { database, database + "-wal", database + "-shm" }) File.Delete(f);
        }
    }
}

/// <summary>The W7-SQLite list child: lists every session in a fresh process (cold), then once more (warm).</summary>
internal sealed class SqliteListMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w7-sqlite-list";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        long start = Stopwatch.GetTimestamp();
        var storage = SqliteBench.CreateStorage(args[0]);
        try
        {
            await storage.ExistsAsync("s0000");
            double openMs = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
            long coldStart = Stopwatch.GetTimestamp();
            int cold = await CountAsync(storage);
            double coldMs = Harness.ElapsedMs(coldStart, Stopwatch.GetTimestamp());
            long warmStart = Stopwatch.GetTimestamp();
            int warm = await CountAsync(storage);
            double warmMs = Harness.ElapsedMs(warmStart, Stopwatch.GetTimestamp());
            if (cold != FileListWorkload.Sessions || warm != FileListWorkload.Sessions) throw new InvalidOperationException($"listed {cold}/{warm} sessions, expected {FileListWorkload.Sessions}");
            return new Dictionary<string, double>(StringComparer.Ordinal) { ["open"] = openMs, ["cold"] = coldMs, ["warm"] = warmMs };
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
