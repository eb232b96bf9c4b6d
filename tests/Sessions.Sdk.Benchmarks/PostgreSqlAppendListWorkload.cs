using System.Diagnostics;
using System.Globalization;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W7 on PostgreSQL: W1 (append one at a time, each committed before the call returns) and W3 (list 1,000 sessions) over loopback.</summary>
internal sealed class PostgreSqlAppendListWorkload : IWorkload
{
    /// <summary>The store-only start-up child's project (tests/&lt;name&gt;), published with Native AOT and, as the README advises, ReadyToRun.</summary>
    private const string NativeAotChild = "Sessions.Sdk.Benchmarks.NativeAot";

    public string Id => "W7-PostgreSql";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        if (PostgreSqlBench.ConnectionStringOrSkip(Id) is null) return;
        string server = await PostgreSqlBench.ServerSettingsAsync();
        string appendSchema = PostgreSqlBench.NewSchema("w7a");
        string listSchema = PostgreSqlBench.NewSchema("w7l");
        try
        {
            int m = Harness.Size(10_000, 200);
            int partsM = Harness.Size(4000, 50);
            string mText = m.ToString("N0", CultureInfo.InvariantCulture);
            var small = await harness.MeasureAsync(PostgreSqlAppendMeasurement.MeasurementName, appendSchema, Harness.Size(1000, 100).ToString(CultureInfo.InvariantCulture), "sync");
            var large = await harness.MeasureAsync(PostgreSqlAppendMeasurement.MeasurementName, appendSchema, m.ToString(CultureInfo.InvariantCulture), "sync");
            var interleaved = await harness.MeasureAsync(PostgreSqlInterleavedMeasurement.MeasurementName, appendSchema, m.ToString(CultureInfo.InvariantCulture));
            var largeAsync = await harness.MeasureAsync(PostgreSqlAppendMeasurement.MeasurementName, appendSchema, m.ToString(CultureInfo.InvariantCulture), "async");
            var referenceAsync = await harness.MeasureAsync(PostgreSqlReferenceMeasurement.MeasurementName, appendSchema, Harness.Size(2000, 100).ToString(CultureInfo.InvariantCulture), "async");
            double ratio = interleaved["appendLast100"] / interleaved["insertLast100"];
            harness.Add(Id, $"append at M = {mText}, mean of the last 100, interleaved with the reference in one process ({server}, loopback)", interleaved["appendLast100"], "ms", "≤ 1 ms", interleaved["appendLast100"] <= 1);
            harness.Add(Id, "reference (no library): prepared committed single-row INSERT of the same JSON (Npgsql), mean of the last 100, interleaved", interleaved["insertLast100"], "ms");
            harness.Add(Id, "append ÷ reference, last 100 at M (issue 15)", ratio, "x", "≤ 1.2", ratio <= 1.2);
            harness.Add(Id, "append ÷ reference, all M interleaved", interleaved["appendMean"] / interleaved["insertMean"], "x");
            harness.Add(Id, "interleaved: client CPU per append (this process, user + system, second half of M)", interleaved["appendCpu"], "ms");
            harness.Add(Id, "interleaved: client CPU per reference INSERT (serializing the JSON included)", interleaved["insertCpu"], "ms");
            var parts = await harness.MeasureAsync(PostgreSqlAppendPartsMeasurement.MeasurementName, appendSchema, partsM.ToString(CultureInfo.InvariantCulture));
            string partsText = partsM.ToString("N0", CultureInfo.InvariantCulture);
            harness.Add(Id, $"parts, one process, the five writes of each message in shuffled order, M = {partsText}: reference INSERT, mean of the second half", parts["referenceMean"], "ms");
            harness.Add(Id, "· parts: store append ÷ reference (second half)", parts["appendMean"] / parts["referenceMean"], "x");
            harness.Add(Id, "· parts: store append, last 100 ÷ reference, last 100", parts["appendLast100"] / parts["referenceLast100"], "x");
            harness.Add(Id, "· parts: the store's append with its schema's search index dropped ÷ reference (second half)", parts["appendNoIndexMean"] / parts["referenceMean"], "x");
            harness.Add(Id, "· parts: bare INSERT of a row shaped like the store's message row, sequence given (no search index, no session row, no lookup) ÷ reference (second half)", parts["bareRowMean"] / parts["referenceMean"], "x");
            harness.Add(Id, "· parts: floor: INSERT of the message row without search text, sequence given by the client, guarded only by a lookup of the live session row (no search data, no session aggregates, no sequence assignment) ÷ reference (second half)", parts["floorMean"] / parts["referenceMean"], "x");
            harness.Add(Id, $"append {mText} one at a time, each committed: per append, mean (own process)", large["mean"], "ms", "≤ 1 ms", large["mean"] <= 1);
            harness.Add(Id, $"append {mText} with synchronous_commit=off (commit before WAL flush): per append, mean", largeAsync["mean"], "ms", "≤ 1 ms", largeAsync["mean"] <= 1);
            harness.Add(Id, "reference with synchronous_commit=off, per row", referenceAsync["mean"], "ms");
            harness.Add(Id, $"append M = {mText}: per append, first 100", large["first100"], "ms");
            harness.Add(Id, $"append M = {mText}: per append, last 100", large["last100"], "ms", "≤ 1 ms", large["last100"] <= 1);
            harness.Add(Id, $"append M = {mText}: total", large["total"], "ms");
            harness.Add(Id, "append M = 1,000: per append, last 100", small["last100"], "ms");
            double scaling = large["last100"] / small["last100"];
            harness.Add(Id, "scaling: last-100 at M = 10,000 ÷ at M = 1,000 (separate runs)", scaling, "x", "≤ 1.5 (O(1))", scaling <= 1.5);
            harness.Add(Id, "scaling within one run: last 100 ÷ first 100 at M = 10,000", large["last100"] / large["first100"], "x", "≤ 1.5 (O(1))", large["last100"] / large["first100"] <= 1.5);

            var setup = Stopwatch.StartNew();
            await PostgreSqlBench.CreateFixtureAsync(listSchema, Harness.Size(1000, 20), Harness.Size(50, 2), s => (uint)(43 + s));
            Console.Error.WriteLine($"{Id}: list fixture of 1,000 × 50 messages written in {setup.Elapsed.TotalSeconds:0.0} s");
            var list = await harness.MeasureAsync(PostgreSqlListMeasurement.MeasurementName, listSchema);
            harness.Add(Id, "new process: open the store and list 1,000 sessions, from process start (issue 15)", list["total"], "ms", "≤ 150 ms", list["total"] <= 150);
            AddStartupParts(harness, string.Empty, list, "JIT compiling, whole process (overlaps the parts above)");
            harness.Add(Id, "· JIT share of the total", list["jit"] / list["total"] * 100, "%");
            harness.Add(Id, "list 1,000 sessions again", list["warm"], "ms", "≤ 30 ms", list["warm"] <= 30);
            var bare = await harness.MeasureAsync(PostgreSqlListReferenceMeasurement.MeasurementName, listSchema);
            harness.Add(Id, "reference (no library): new process, Npgsql alone (NpgsqlDataSource.Create, open, SELECT id, title, count, updated of the 1,000 rows), from process start", bare["total"], "ms");
            harness.Add(Id, "· reference: runtime start", bare["runtime"], "ms");
            harness.Add(Id, "· reference: data source + connection + authentication", bare["connect"], "ms");
            harness.Add(Id, "· reference: query", bare["query"], "ms");
            harness.Add(Id, "· reference: JIT compiling, whole process", bare["jit"], "ms");
            harness.Add(Id, "open + list ÷ the Npgsql-alone reference (same runs)", list["total"] / bare["total"], "x");
            if (await harness.MeasureReadyToRunAsync(PostgreSqlListMeasurement.MeasurementName, listSchema) is { } listR2r)
            {
                harness.Add(Id, "the same, child published ReadyToRun (the harness itself, default ReadyToRun options): open + list from process start", listR2r["total"], "ms", "≤ 150 ms", listR2r["total"] <= 150);
                harness.Add(Id, "· ReadyToRun: runtime start", listR2r["runtime"], "ms");
                harness.Add(Id, "· ReadyToRun: connection + authentication", listR2r["connect"], "ms");
                harness.Add(Id, "· ReadyToRun: schema check + query", listR2r["schema"] + listR2r["cold"], "ms");
                harness.Add(Id, "· ReadyToRun: JIT compiling, whole process", listR2r["jit"], "ms");
                harness.Add(Id, "· ReadyToRun: JIT share of the total", listR2r["jit"] / listR2r["total"] * 100, "%");
            }

            // The store-only start-up child (the Native AOT child's project) published ReadyToRun with the options the PostgreSQL
            // package's README gives an application that cannot use Native AOT (set in that project for its ReadyToRun publish).
            string sessions = Harness.Size(1000, 20).ToString(CultureInfo.InvariantCulture);
            if (await harness.MeasureReadyToRunChildAsync(NativeAotChild, PostgreSqlListMeasurement.MeasurementName, listSchema, sessions) is { } app
                && await harness.MeasureReadyToRunChildAsync(NativeAotChild, PostgreSqlListReferenceMeasurement.MeasurementName, listSchema, sessions) is { } appBare)
            {
                harness.Add(Id, "the same, an app using only the store, published ReadyToRun as the package README advises (cross-module code: PublishReadyToRunCrossgen2ExtraArgs --opt-cross-module:* and --non-local-generics-module:*): open + list from process start (issue 15)", app["total"], "ms", "≤ 150 ms", app["total"] <= 150);
                AddStartupParts(harness, "ReadyToRun as advised: ", app, "JIT compiling, whole process (what crossgen2 could not precompile)");
                harness.Add(Id, "· ReadyToRun as advised: JIT share of the total", app["jit"] / app["total"] * 100, "%");
                harness.Add(Id, "ReadyToRun as advised, reference (no library): Npgsql alone (NpgsqlDataSource.Create, as above), published the same way, from process start", appBare["total"], "ms");
                harness.Add(Id, "· ReadyToRun as advised, reference: data source + connection + authentication", appBare["connect"], "ms");
                harness.Add(Id, "· ReadyToRun as advised, reference: query", appBare["query"], "ms");
                harness.Add(Id, "· ReadyToRun as advised, reference: JIT compiling, whole process", appBare["jit"], "ms");
                harness.Add(Id, "ReadyToRun as advised: open + list ÷ the Npgsql-alone reference (same runs)", app["total"] / appBare["total"], "x");
            }

            // Native AOT (PublishAot): the start-up children of tests/Sessions.Sdk.Benchmarks.NativeAot, the same code as the JIT
            // children above (PostgreSqlBench.Startup.cs), the store's and Npgsql alone, both published the same way.
            if (await harness.MeasureNativeAotAsync(NativeAotChild, PostgreSqlListMeasurement.MeasurementName, listSchema, sessions) is { } aot
                && await harness.MeasureNativeAotAsync(NativeAotChild, PostgreSqlListReferenceMeasurement.MeasurementName, listSchema, sessions) is { } aotBare
                && await harness.MeasureNativeAotAsync(NativeAotChild, "w7-postgresql-exercise", appendSchema) is { } aotExercise)
            {
                harness.Add(Id, "Native AOT: store operations run and checked in the AOT child (create with tool-call and binary contents, append 1 and 3, read back, get, update, search, replace, trash, exists, restore, delete, exists)", aotExercise["operations"], "");
                harness.Add(Id, "the same, child published Native AOT (linux-x64): open the store and list 1,000 sessions, from process start (issue 15)", aot["total"], "ms", "≤ 150 ms", aot["total"] <= 150);
                AddStartupParts(harness, "Native AOT: ", aot, "JIT compiling (none: compiled ahead of time)");
                harness.Add(Id, "Native AOT: list 1,000 sessions again", aot["warm"], "ms", "≤ 30 ms", aot["warm"] <= 30);
                harness.Add(Id, "Native AOT reference (no library): Npgsql alone (NpgsqlDataSource.Create, as above), published the same way, from process start", aotBare["total"], "ms");
                harness.Add(Id, "· Native AOT reference: runtime start", aotBare["runtime"], "ms");
                harness.Add(Id, "· Native AOT reference: data source + connection + authentication", aotBare["connect"], "ms");
                harness.Add(Id, "· Native AOT reference: query", aotBare["query"], "ms");
                harness.Add(Id, "Native AOT: open + list ÷ the Npgsql-alone reference (same runs)", aot["total"] / aotBare["total"], "x");
            }
            else
            {
                harness.AddNote(Id, "the same, child published Native AOT", "not run in smoke mode (the Native AOT publish takes 1-2 minutes)");
            }
        }
        finally
        {
            await PostgreSqlBench.DropSchemaAsync(appendSchema);
            await PostgreSqlBench.DropSchemaAsync(listSchema);
        }
    }

    /// <summary>Adds the parts of a new process's open + first list (the same rows for every way the child is built).</summary>
    private void AddStartupParts(Harness harness, string build, IReadOnlyDictionary<string, double> figures, string jitLabel)
    {
        harness.Add(Id, $"· {build}runtime start (process start → first line of the measurement)", figures["runtime"], "ms");
        harness.Add(Id, $"· {build}store set-up + connection + authentication (first pooled connection)", figures["connect"], "ms");
        harness.Add(Id, $"· {build}schema check (one version query)", figures["schema"], "ms");
        harness.Add(Id, $"· {build}query: first list of 1,000 sessions (name, count, updated)", figures["cold"], "ms", "≤ 30 ms", figures["cold"] <= 30);
        harness.Add(Id, $"· {build}{jitLabel}", figures["jit"], "ms");
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
                ["first100"] = each.Take(Math.Min(100, count)).Average(),
                ["last100"] = each.Skip(Math.Max(0, count - 100)).Average(),
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
        await PostgreSqlBench.CreateFixtureAsync(args[0], 1000, 50, s => (uint)(43 + s));
        return new Dictionary<string, double>(StringComparer.Ordinal) { ["ms"] = Harness.ElapsedMs(start, Stopwatch.GetTimestamp()) };
    }
}

/// <summary>The W7-PostgreSql list child: from process start, opens the store and lists every session (cold), then once more (warm)
/// (<see cref="PostgreSqlBench.OpenAndListAsync"/>, which the Native AOT child runs too).</summary>
internal sealed class PostgreSqlListMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w7-postgresql-list";

    public string Name => MeasurementName;

    public Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args) => PostgreSqlBench.OpenAndListAsync(args[0], Harness.Size(1000, 20));
}

/// <summary>The W7-PostgreSql start-up reference: from process start, Npgsql alone (no library) reads the same 1,000 session rows
/// (<see cref="PostgreSqlBench.NpgsqlAloneListAsync"/>, which the Native AOT child runs too).</summary>
internal sealed class PostgreSqlListReferenceMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w7-postgresql-list-reference";

    public string Name => MeasurementName;

    public Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args) => PostgreSqlBench.NpgsqlAloneListAsync(args[0], Harness.Size(1000, 20));
}

/// <summary>W7-PostgreSql, issue 15: the library's append and a prepared committed single-row INSERT of the same JSON, alternated one
/// for one in one process, so both see the same server, cache and load.</summary>
internal sealed class PostgreSqlInterleavedMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w7-postgresql-interleaved";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        string schema = args[0];
        int count = int.Parse(args[1], CultureInfo.InvariantCulture);
        var storage = PostgreSqlBench.CreateStorage(schema);
        string table = $"\"{schema}\".reference_{Guid.NewGuid().ToString("N")[..8]}";
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(PostgreSqlBench.ConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        try
        {
            var time = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            var messages = PostgreSqlBench.Messages(42, count, time);
            string id = "bench-session-" + Guid.NewGuid().ToString("N")[..8];
            await storage.CreateAsync(new SessionInfo { Id = id, CreatedAt = time, UpdatedAt = time }, []);
            await using (var create = new Npgsql.NpgsqlCommand($"CREATE TABLE {table} (session_id text, seq bigint, payload text, PRIMARY KEY (session_id, seq))", connection))
            {
                await create.ExecuteNonQueryAsync();
            }

            await using var insert = new Npgsql.NpgsqlCommand($"INSERT INTO {table} (session_id, seq, payload) VALUES ($1, $2, $3)", connection);
            insert.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = "bench-session" });
            insert.Parameters.Add(new Npgsql.NpgsqlParameter<long>());
            insert.Parameters.Add(new Npgsql.NpgsqlParameter<string>());
            await insert.PrepareAsync();
            var appendTimes = new double[count];
            var insertTimes = new double[count];

            // CPU time of this process (getrusage: user + system) spent in each side, from the second half on (warm code):
            // what the client does per operation, which the server's commit wait and the machine's load do not change much.
            var appendCpu = TimeSpan.Zero;
            var insertCpu = TimeSpan.Zero;
            for (int i = 0; i < count; i++)
            {
                var c0 = Environment.CpuUsage.TotalTime;
                long t0 = Stopwatch.GetTimestamp();
                await storage.AppendMessagesAsync(id, [messages[i]]);
                long t1 = Stopwatch.GetTimestamp();
                var c1 = Environment.CpuUsage.TotalTime;
                ((Npgsql.NpgsqlParameter<long>)insert.Parameters[1]).TypedValue = i + 1;
                ((Npgsql.NpgsqlParameter<string>)insert.Parameters[2]).TypedValue = SessionJson.SerializeMessageToString(messages[i] with { Sequence = i + 1 });
                await insert.ExecuteNonQueryAsync();
                long t2 = Stopwatch.GetTimestamp();
                var c2 = Environment.CpuUsage.TotalTime;
                appendTimes[i] = Harness.ElapsedMs(t0, t1);
                insertTimes[i] = Harness.ElapsedMs(t1, t2);
                if (i >= count / 2)
                {
                    appendCpu += c1 - c0;
                    insertCpu += c2 - c1;
                }
            }

            var info = await storage.GetAsync(id);
            if (info!.MessageCount != count) throw new InvalidOperationException($"expected {count} messages, found {info.MessageCount}");
            int last = Math.Min(100, count);
            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["appendLast100"] = appendTimes.Skip(count - last).Average(),
                ["insertLast100"] = insertTimes.Skip(count - last).Average(),
                ["appendMean"] = appendTimes.Average(),
                ["insertMean"] = insertTimes.Average(),
                ["appendCpu"] = appendCpu.TotalMilliseconds / (count - (count / 2)),
                ["insertCpu"] = insertCpu.TotalMilliseconds / (count - (count / 2)),
            };
        }
        finally
        {
            await PostgreSqlBench.DisposeAsync(storage);
        }
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
