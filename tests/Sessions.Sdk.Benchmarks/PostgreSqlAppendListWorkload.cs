using System.Diagnostics;
using System.Globalization;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W7 on PostgreSQL: W1 (append one at a time, each committed before the call returns) and W3 (list 1,000 sessions) over loopback.</summary>
internal sealed class PostgreSqlAppendListWorkload : IWorkload
{
    public string Id => "W7-PostgreSql";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        if (PostgreSqlBench.ConnectionStringOrSkip(Id) is null) return;
        string server = await PostgreSqlBench.ServerSettingsAsync();
        string appendSchema = PostgreSqlBench.NewSchema("w7a");
        string listSchema = PostgreSqlBench.NewSchema("w7l");
        try
        {
            string smallM = Harness.Size(1000, 200).ToString(CultureInfo.InvariantCulture), largeM = Harness.Size(10_000, 300).ToString(CultureInfo.InvariantCulture);
            string referenceM = Harness.Size(2000, 200).ToString(CultureInfo.InvariantCulture);
            var small = await harness.MeasureAsync(PostgreSqlAppendMeasurement.MeasurementName, appendSchema, smallM, "sync");
            var large = await harness.MeasureAsync(PostgreSqlAppendMeasurement.MeasurementName, appendSchema, largeM, "sync");
            var reference = await harness.MeasureAsync(PostgreSqlReferenceMeasurement.MeasurementName, appendSchema, referenceM, "sync");
            var largeAsync = await harness.MeasureAsync(PostgreSqlAppendMeasurement.MeasurementName, appendSchema, largeM, "async");
            var referenceAsync = await harness.MeasureAsync(PostgreSqlReferenceMeasurement.MeasurementName, appendSchema, referenceM, "async");
            harness.Add(Id, $"append 10,000 one at a time, each committed: per append, mean ({server}, loopback)", large["mean"], "ms", "≤ 1 ms", large["mean"] <= 1);
            harness.Add(Id, "reference (no library): one committed single-row INSERT of the same JSON, per row", reference["mean"], "ms");
            harness.Add(Id, "append ÷ reference (library overhead over the server's commit)", large["mean"] / reference["mean"], "x");
            harness.Add(Id, "append 10,000 with synchronous_commit=off (commit before WAL flush): per append, mean", largeAsync["mean"], "ms", "≤ 1 ms", largeAsync["mean"] <= 1);
            harness.Add(Id, "reference with synchronous_commit=off, per row", referenceAsync["mean"], "ms");
            harness.Add(Id, "append M = 10,000: per append, first 100", large["first100"], "ms");
            harness.Add(Id, "append M = 10,000: per append, last 100", large["last100"], "ms", "≤ 1 ms", large["last100"] <= 1);
            harness.Add(Id, "append M = 10,000: total", large["total"], "ms");
            harness.Add(Id, "append M = 1,000: per append, last 100", small["last100"], "ms");
            double scaling = large["last100"] / small["last100"];
            harness.Add(Id, "scaling: last-100 at M = 10,000 ÷ at M = 1,000 (separate runs)", scaling, "x", "≤ 1.5 (O(1))", scaling <= 1.5);
            harness.Add(Id, "scaling within one run: last 100 ÷ first 100 at M = 10,000", large["last100"] / large["first100"], "x", "≤ 1.5 (O(1))", large["last100"] / large["first100"] <= 1.5);

            var setup = Stopwatch.StartNew();
            await PostgreSqlBench.CreateFixtureAsync(listSchema, FileListWorkload.Sessions, 50, s => (uint)(43 + s));
            Console.Error.WriteLine($"{Id}: list fixture of 1,000 × 50 messages written in {setup.Elapsed.TotalSeconds:0.0} s");
            var list = await harness.MeasureAsync(PostgreSqlListMeasurement.MeasurementName, listSchema);
            harness.Add(Id, "new process: open store (pool, first connection + auth, schema check)", list["open"], "ms");
            harness.Add(Id, "new process: first list of 1,000 sessions (name, count, updated)", list["cold"], "ms", "≤ 30 ms", list["cold"] <= 30);
            harness.Add(Id, "of which JIT compiling (methods compiled on first use)", list["jit"], "ms");
            harness.Add(Id, "list 1,000 sessions again", list["warm"], "ms", "≤ 30 ms", list["warm"] <= 30);
        }
        finally
        {
            await PostgreSqlBench.DropSchemaAsync(appendSchema);
            await PostgreSqlBench.DropSchemaAsync(listSchema);
        }
    }
}

/// <summary>The W7-PostgreSql append child: creates a session and appends M messages one at a time, each awaited.</summary>
internal sealed class PostgreSqlAppendMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w7-postgresql-append";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        string schema = args[0];
        int count = int.Parse(args[1], CultureInfo.InvariantCulture);
        var storage = PostgreSqlBench.CreateStorage(schema, asynchronousCommit: args[2] == "async");
        try
        {
            var time = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            var messages = PostgreSqlBench.Messages(42, count, time);
            string id = "bench-session-" + Guid.NewGuid().ToString("N")[..8];
            await storage.CreateAsync(new SessionInfo { Id = id, CreatedAt = time, UpdatedAt = time }, []);
            var each = new double[count];
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < count; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                await storage.AppendMessagesAsync(id, [messages[i]]);
                each[i] = Harness.ElapsedMs(t0, Stopwatch.GetTimestamp());
            }

            double total = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
            var info = await storage.GetAsync(id);
            if (info!.MessageCount != count) throw new InvalidOperationException($"expected {count} messages, found {info.MessageCount}");
            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["total"] = total,
                ["mean"] = total / count,
                ["first100"] = each.Take(100).Average(),
                ["last100"] = each.Skip(count - 100).Average(),
            };
        }
        finally
        {
            await PostgreSqlBench.DisposeAsync(storage);
        }
    }
}

/// <summary>Writes the W7-PostgreSql list fixture into a schema (diagnostics: run alone, then the list child against it).</summary>
internal sealed class PostgreSqlListFixtureMeasurement : IChildMeasurement
{
    public string Name => "w7-postgresql-list-fixture";

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        long start = Stopwatch.GetTimestamp();
        await PostgreSqlBench.CreateFixtureAsync(args[0], FileListWorkload.Sessions, 50, s => (uint)(43 + s));
        return new Dictionary<string, double>(StringComparer.Ordinal) { ["ms"] = Harness.ElapsedMs(start, Stopwatch.GetTimestamp()) };
    }
}

/// <summary>The W7-PostgreSql list child: lists every session in a fresh process (cold), then once more (warm).</summary>
internal sealed class PostgreSqlListMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w7-postgresql-list";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        long start = Stopwatch.GetTimestamp();
        var storage = PostgreSqlBench.CreateStorage(args[0]);
        try
        {
            await storage.ExistsAsync("s0000");
            double openMs = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
            var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
            long coldStart = Stopwatch.GetTimestamp();
            int cold = await CountAsync(storage);
            double coldMs = Harness.ElapsedMs(coldStart, Stopwatch.GetTimestamp());
            double jitMs = (System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds;
            long warmStart = Stopwatch.GetTimestamp();
            int warm = await CountAsync(storage);
            double warmMs = Harness.ElapsedMs(warmStart, Stopwatch.GetTimestamp());
            if (cold != FileListWorkload.Sessions || warm != FileListWorkload.Sessions) throw new InvalidOperationException($"listed {cold}/{warm} sessions, expected {FileListWorkload.Sessions}");
            return new Dictionary<string, double>(StringComparer.Ordinal) { ["open"] = openMs, ["cold"] = coldMs, ["jit"] = jitMs, ["warm"] = warmMs };
        }
        finally
        {
            await PostgreSqlBench.DisposeAsync(storage);
        }
    }

    private static async Task<int> CountAsync(ISessionStorage storage)
    {
        int count = 0;
        long messages = 0;
        await foreach (var session in storage.ListAsync(SessionQuery.All))
        {
            count++;
            messages += session.MessageCount + session.Title.Length + session.UpdatedAt.Ticks % 2;
        }

        return messages > 0 ? count : -1;
    }
}

/// <summary>The W7-PostgreSql reference: committed single-row INSERTs of the same message JSON through Npgsql alone (prepared).</summary>
internal sealed class PostgreSqlReferenceMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w7-postgresql-reference";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        string schema = args[0];
        int count = int.Parse(args[1], CultureInfo.InvariantCulture);
        string table = $"\"{schema}\".reference_{Guid.NewGuid().ToString("N")[..8]}";
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(PostgreSqlBench.WithCommitMode(PostgreSqlBench.ConnectionString, args[2] == "async"));
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var create = new Npgsql.NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS \"{schema}\"; CREATE TABLE {table} (session_id text, seq bigint, payload text, PRIMARY KEY (session_id, seq))", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        var messages = PostgreSqlBench.Messages(42, count, new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var insert = new Npgsql.NpgsqlCommand($"INSERT INTO {table} (session_id, seq, payload) VALUES ($1, $2, $3)", connection);
        insert.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = "bench-session" });
        insert.Parameters.Add(new Npgsql.NpgsqlParameter<long>());
        insert.Parameters.Add(new Npgsql.NpgsqlParameter<string>());
        await insert.PrepareAsync();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            ((Npgsql.NpgsqlParameter<long>)insert.Parameters[1]).TypedValue = i + 1;
            ((Npgsql.NpgsqlParameter<string>)insert.Parameters[2]).TypedValue = SessionJson.SerializeMessageToString(messages[i] with { Sequence = i + 1 });
            await insert.ExecuteNonQueryAsync();
        }

        double total = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        return new Dictionary<string, double>(StringComparer.Ordinal) { ["mean"] = total / count };
    }
}
