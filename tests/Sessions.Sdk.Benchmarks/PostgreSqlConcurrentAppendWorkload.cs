using System.Diagnostics;
using System.Globalization;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W4 on PostgreSQL: two processes append 500 messages each to one session at the same instant; a third counts.</summary>
internal sealed class PostgreSqlConcurrentAppendWorkload : IWorkload
{
    public static int AppendsPerProcess => Harness.Size(500, 20);

    public string Id => "W4-PostgreSql";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        if (PostgreSqlBench.ConnectionStringOrSkip(Id) is null) return;
        string schema = PostgreSqlBench.NewSchema("w4");
        try
        {
            var storage = PostgreSqlBench.CreateStorage(schema);
            await storage.ExistsAsync("bench-session", cancellationToken);
            await PostgreSqlBench.DisposeAsync(storage);

            var lostPerRun = new List<double>();
            var elapsed = new List<double>();
            var sequential = new List<double>();
            var failed = new List<double>();
            for (int run = 0; run < harness.Repetitions; run++)
            {
                string sessionId = $"bench-session-{run}";
                var setup = PostgreSqlBench.CreateStorage(schema);
                var now = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
                await setup.CreateAsync(new SessionInfo { Id = sessionId, CreatedAt = now, UpdatedAt = now }, [], cancellationToken);
                await PostgreSqlBench.DisposeAsync(setup);

                // Both writers start at the same instant: each spins until this time after its own start-up.
                string startAt = TimeProvider.System.GetUtcNow().AddSeconds(3).UtcTicks.ToString(CultureInfo.InvariantCulture);
                var writers = Enumerable.Range(0, 2).Select(p => Harness.RunChildProcessAsync(
                    PostgreSqlWriterMeasurement.MeasurementName, schema, sessionId, p.ToString(CultureInfo.InvariantCulture), startAt)).ToArray();
                var results = await Task.WhenAll(writers);
                var count = await Harness.RunChildProcessAsync(PostgreSqlCountMeasurement.MeasurementName, schema, sessionId);

                // The reference, in the same run: one process appends all 2 × 500 one after another to a session of its own.
                string soloId = $"bench-solo-{run}";
                var soloSetup = PostgreSqlBench.CreateStorage(schema);
                await soloSetup.CreateAsync(new SessionInfo { Id = soloId, CreatedAt = now, UpdatedAt = now }, [], cancellationToken);
                await PostgreSqlBench.DisposeAsync(soloSetup);
                string soloAt = TimeProvider.System.GetUtcNow().AddSeconds(2).UtcTicks.ToString(CultureInfo.InvariantCulture);
                var solo = await Harness.RunChildProcessAsync(
                    PostgreSqlWriterMeasurement.MeasurementName, schema, soloId, "0", soloAt, (2 * AppendsPerProcess).ToString(CultureInfo.InvariantCulture));
                sequential.Add(solo["elapsed"]);

                double acknowledged = results.Sum(r => r["acknowledged"]);
                double lost = acknowledged - count["present"];
                lostPerRun.Add(lost + count["duplicates"]);
                failed.Add(results.Sum(r => r["failed"]));
                elapsed.Add(results.Max(r => r["elapsed"]));
                if (count["present"] != 2 * AppendsPerProcess || count["duplicates"] != 0)
                {
                    Console.Error.WriteLine($"{Id}: run {run}: {count["present"]} present, {count["duplicates"]} duplicated, {acknowledged} acknowledged");
                }
            }

            harness.Add(Id, $"2 processes × {AppendsPerProcess} appends to one session: lost or duplicated, worst of {harness.Repetitions} runs", lostPerRun.Max(), string.Empty, "0 lost", lostPerRun.Max() == 0);
            harness.Add(Id, "appends that failed loudly (all runs)", failed.Sum(), string.Empty);
            double both = Harness.Median(elapsed), one = Harness.Median(sequential);
            harness.Add(Id, "time until both writers finished (median)", both, "ms");
            harness.Add(Id, $"reference: one process, {2 * AppendsPerProcess} sequential appends (median, same runs)", one, "ms");
            harness.Add(Id, "2 writers ÷ 1 sequential writer (issue 15)", both / one, "x", "≤ 1.5", both / one <= 1.5);
        }
        finally
        {
            await PostgreSqlBench.DropSchemaAsync(schema);
        }
    }
}

/// <summary>A W4-PostgreSql writer: waits for the agreed instant, then appends its 500 messages one at a time.</summary>
internal sealed class PostgreSqlWriterMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w4-postgresql-writer";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        string schema = args[0], sessionId = args[1];
        int process = int.Parse(args[2], CultureInfo.InvariantCulture);
        var startAt = new DateTimeOffset(long.Parse(args[3], CultureInfo.InvariantCulture), TimeSpan.Zero);
        int count = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : PostgreSqlConcurrentAppendWorkload.AppendsPerProcess;
        var storage = PostgreSqlBench.CreateStorage(schema);
        try
        {
            var messages = PostgreSqlBench.Messages((uint)(142 + process), count, startAt);
            await storage.ExistsAsync(sessionId);
            while (TimeProvider.System.GetUtcNow() < startAt) await Task.Delay(1);
            int acknowledged = 0, failed = 0;
            long start = Stopwatch.GetTimestamp();
            foreach (var message in messages)
            {
                try
                {
                    await storage.AppendMessagesAsync(sessionId, [message]);
                    acknowledged++;
                }
                catch (SessionsException ex)
                {
                    failed++;
                    Console.Error.WriteLine(ex.Message);
                }
            }

            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["acknowledged"] = acknowledged,
                ["failed"] = failed,
                ["elapsed"] = Harness.ElapsedMs(start, Stopwatch.GetTimestamp()),
            };
        }
        finally
        {
            await PostgreSqlBench.DisposeAsync(storage);
        }
    }
}

/// <summary>The W4-PostgreSql counter: loads the session and checks that every writer's message is present exactly once.</summary>
internal sealed class PostgreSqlCountMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w4-postgresql-count";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        var storage = PostgreSqlBench.CreateStorage(args[0]);
        try
        {
            var messages = await storage.GetMessagesAsync(args[1], MessageRange.All);
            var expected = new HashSet<string>(StringComparer.Ordinal);
            for (int p = 0; p < 2; p++)
            {
                var generator = new ContentGenerator((uint)(142 + p));
                for (int i = 0; i < PostgreSqlConcurrentAppendWorkload.AppendsPerProcess; i++) expected.Add(generator.Next());
            }

            var texts = messages.Select(m => m.Text).ToList();
            int present = texts.Distinct(StringComparer.Ordinal).Count(expected.Contains);
            bool contiguous = messages.Select(m => m.Sequence).SequenceEqual(Enumerable.Range(1, messages.Count).Select(i => (long)i));
            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["present"] = present,
                ["duplicates"] = texts.Count - texts.Distinct(StringComparer.Ordinal).Count(),
                ["contiguous"] = contiguous ? 1 : 0,
            };
        }
        finally
        {
            await PostgreSqlBench.DisposeAsync(storage);
        }
    }
}
