using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W11: trash + restore of a session of M = 1,000 and M = 10,000 messages on every store; the cost must not grow with M.</summary>
/// <remarks>
/// Each store holds both sessions; a fresh child process (the memory store: this process) warms up with a few cycles, then times
/// cycles alternating between the two sessions and reports the median cycle of each. PostgreSQL runs only when SESSIONS_TEST_POSTGRES is set.
/// </remarks>
internal sealed class TrashWorkload : IWorkload
{
    public static readonly int Cycles = Harness.Size(60, 5);

    /// <summary>The messages the session named after <paramref name="m"/> holds: m (a tenth of it in a smoke run).</summary>
    public static int Length(int m) => Harness.Size(m, m / 10);

    public string Id => "W11";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        // Memory: in this process (a memory store cannot be reopened by another one).
        var memory = await TrashCycleMeasurement.RunAsync(new MemoryStorageAccess(), create: true);
        Report(harness, "memory", memory);

        string directory = Path.Combine(harness.WorkDirectory, "w11-file");
        await TrashCycleMeasurement.CreateSessionsAsync(FileBench.CreateStorage(directory));
        Report(harness, "file", await harness.MeasureAsync(TrashCycleMeasurement.MeasurementName, "file", directory));

        string database = Path.Combine(harness.WorkDirectory, "w11.db");
        await TrashCycleMeasurement.CreateSessionsAsync(SqliteBench.CreateStorage(database));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Report(harness, "SQLite", await harness.MeasureAsync(TrashCycleMeasurement.MeasurementName, "sqlite", database));

        if (PostgreSqlBench.ConnectionStringOrSkip(Id) is not null)
        {
            string schema = PostgreSqlBench.NewSchema("w11");
            try
            {
                await TrashCycleMeasurement.CreateSessionsAsync(PostgreSqlBench.CreateStorage(schema));
                Report(harness, "PostgreSQL", await harness.MeasureAsync(TrashCycleMeasurement.MeasurementName, "postgresql", schema));
            }
            finally
            {
                await PostgreSqlBench.DropSchemaAsync(schema);
            }
        }
    }

    private void Report(Harness harness, string store, IReadOnlyDictionary<string, double> figures)
    {
        harness.Add(Id, $"{store}: trash + restore, M = 1,000 (median of {Cycles} cycles)", figures["m1000"], "ms");
        harness.Add(Id, $"{store}: trash + restore, M = 10,000", figures["m10000"], "ms");
        double ratio = figures["m10000"] / figures["m1000"];
        harness.Add(Id, $"{store}: M = 10,000 ÷ M = 1,000", ratio, "x", "≤ 1.5", ratio <= 1.5);
    }

    /// <summary>Lets the memory store run in this process through the same code as the others.</summary>
    private sealed class MemoryStorageAccess : ISessionStorageFactory
    {
        public ISessionStorage Create() => new MemorySessionStorageForBench().Storage;
    }
}

/// <summary>Creates a storage for a measurement.</summary>
internal interface ISessionStorageFactory
{
    ISessionStorage Create();
}

/// <summary>The memory store, built through <c>UseMemoryStorage</c> as an application would.</summary>
internal sealed class MemorySessionStorageForBench
{
    public ISessionStorage Storage { get; } = Build();

    private static ISessionStorage Build()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseMemoryStorage();
        return services.BuildServiceProvider().GetRequiredService<ISessionStorage>();
    }
}

/// <summary>The W11 child: times trash + restore cycles of the two sessions of one store.</summary>
internal sealed class TrashCycleMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w11-trash";

    public string Name => MeasurementName;

    public static async Task CreateSessionsAsync(ISessionStorage storage)
    {
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (int m in new[] { 1000, 10000 })
        {
            await storage.CreateAsync(new SessionInfo { Id = $"m{m}", Title = $"{m} messages", CreatedAt = start, UpdatedAt = start }, FileBench.Messages(42, TrashWorkload.Length(m), start));
        }

        if (storage is IAsyncDisposable a) await a.DisposeAsync();
        else (storage as IDisposable)?.Dispose();
    }

    public static async Task<IReadOnlyDictionary<string, double>> RunAsync(ISessionStorageFactory factory, bool create)
    {
        var storage = factory.Create();
        if (create)
        {
            var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            foreach (int m in new[] { 1000, 10000 })
            {
                await storage.CreateAsync(new SessionInfo { Id = $"m{m}", Title = $"{m} messages", CreatedAt = start, UpdatedAt = start }, FileBench.Messages(42, TrashWorkload.Length(m), start));
            }
        }

        return await CyclesAsync(storage);
    }

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        ISessionStorage storage = args[0] switch
        {
            "file" => FileBench.CreateStorage(args[1]),
            "sqlite" => SqliteBench.CreateStorage(args[1]),
            "postgresql" => PostgreSqlBench.CreateStorage(args[1]),
            _ => throw new ArgumentException("unknown store " + args[0]),
        };
        try
        {
            return await CyclesAsync(storage);
        }
        finally
        {
            if (storage is IAsyncDisposable a) await a.DisposeAsync();
            else (storage as IDisposable)?.Dispose();
        }
    }

    private static async Task<IReadOnlyDictionary<string, double>> CyclesAsync(ISessionStorage storage)
    {
        var trash = (ISessionTrash)storage;
        var times = new Dictionary<string, List<double>>(StringComparer.Ordinal) { ["m1000"] = [], ["m10000"] = [] };
        for (int i = 0; i < 5 + TrashWorkload.Cycles; i++)
        {
            foreach (var id in i % 2 == 0 ? new[] { "m1000", "m10000" } : new[] { "m10000", "m1000" })
            {
                long start = Stopwatch.GetTimestamp();
                if (!await trash.TrashAsync(id) || !await trash.RestoreAsync(id)) throw new InvalidOperationException($"trash/restore of {id} failed");
                double ms = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
                if (i >= 5) times[id].Add(ms);
            }
        }

        var info = await storage.GetAsync("m10000") ?? throw new InvalidOperationException("m10000 is missing after the cycles");
        if (info.MessageCount != TrashWorkload.Length(10000)) throw new InvalidOperationException($"m10000 has {info.MessageCount.ToString(CultureInfo.InvariantCulture)} messages after the cycles");
        return times.ToDictionary(t => t.Key, t => Harness.Median(t.Value), StringComparer.Ordinal);
    }
}
