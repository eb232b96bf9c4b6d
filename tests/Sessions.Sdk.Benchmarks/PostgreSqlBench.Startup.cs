using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Sessions.Sdk.Benchmarks;

/// <summary>
/// The PostgreSQL plumbing the start-up children need: the store built through its public registration, the start-up probe, and the
/// two start-up measurements (the store's open + list, and Npgsql alone). This file is also compiled into the Native AOT child
/// (tests/Sessions.Sdk.Benchmarks.NativeAot), so the JIT, ReadyToRun and Native AOT children run the same code.
/// </summary>
internal static partial class PostgreSqlBench
{
    public const string ConnectionStringVariable = "SESSIONS_TEST_POSTGRES";

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(ConnectionStringVariable) ?? throw new InvalidOperationException($"{ConnectionStringVariable} is not set.");

    /// <summary>Milliseconds from this process's start to now: the runtime's start-up, when called first thing in a child.</summary>
    public static double SinceProcessStartMs()
    {
        var now = TimeProvider.System.GetUtcNow();
        using var self = Process.GetCurrentProcess();
        return (now - self.StartTime.ToUniversalTime()).TotalMilliseconds;
    }

    /// <summary>Builds the store with <c>UsePostgreSqlStorage</c> as an application would, and invokes the registered factory.</summary>
    public static ISessionStorage CreateStorage(string schema, bool asynchronousCommit = false, IServiceProvider? services = null)
    {
        var builder = new Builder();
        builder.UsePostgreSqlStorage(WithCommitMode(ConnectionString, asynchronousCommit), o => o.SchemaName = schema);
        var descriptor = builder.Services.Single(d => d.ServiceType == typeof(ISessionStorage));
        return (ISessionStorage)descriptor.ImplementationFactory!(services ?? EmptyServiceProvider.Instance);
    }

    /// <summary>Adds <c>synchronous_commit=off</c> to a connection string when asked (commit returns before the WAL flush).</summary>
    public static string WithCommitMode(string connectionString, bool asynchronousCommit) =>
        asynchronousCommit ? new NpgsqlConnectionStringBuilder(connectionString) { Options = "-c synchronous_commit=off" }.ConnectionString : connectionString;

    public static async Task DisposeAsync(ISessionStorage storage)
    {
        if (storage is IAsyncDisposable disposable) await disposable.DisposeAsync();
    }

    private static double ElapsedMs(long startTimestamp, long endTimestamp) =>
        (endTimestamp - startTimestamp) * 1000.0 / Stopwatch.Frequency;

    /// <summary>
    /// The start-up measurement: from process start, opens the store in <paramref name="schema"/> and lists every session (cold),
    /// then once more (warm). Call it first thing in a fresh process.
    /// </summary>
    /// <remarks>
    /// The parts: runtime start (process start to this method), connection and authentication (the store's data source opens its
    /// first connection, which then waits in the pool), the schema check (the store's first operation until it logs that the schema
    /// is ready), and the query. JIT time is the whole process's (0 under Native AOT: nothing is compiled at run time).
    /// </remarks>
    public static async Task<IReadOnlyDictionary<string, double>> OpenAndListAsync(string schema, int expected)
    {
        long entered = Stopwatch.GetTimestamp();
        double runtimeMs = SinceProcessStartMs();

        // The application's path: UsePostgreSqlStorage(connection string); the probe sees Npgsql open the connection and the store log its schema ready.
        var probe = new StartupProbe();
        var storage = CreateStorage(schema, services: probe);
        try
        {
            long connectStart = Stopwatch.GetTimestamp();
            int cold = await CountAsync(storage);
            long listed = Stopwatch.GetTimestamp();
            double jitMs = System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds;
            long connected = probe.ConnectionOpened ?? connectStart;
            long ready = probe.SchemaReady ?? connected;
            long warmStart = Stopwatch.GetTimestamp();
            int warm = await CountAsync(storage);
            double warmMs = ElapsedMs(warmStart, Stopwatch.GetTimestamp());
            if (cold != expected || warm != expected) throw new InvalidOperationException($"listed {cold}/{warm} sessions, expected {expected}");
            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["runtime"] = runtimeMs,
                ["connect"] = ElapsedMs(entered, connected),
                ["schema"] = ElapsedMs(connected, ready),
                ["cold"] = ElapsedMs(ready, listed),
                ["total"] = runtimeMs + ElapsedMs(entered, listed),
                ["jit"] = jitMs,
                ["warm"] = warmMs,
            };
        }
        finally
        {
            await DisposeAsync(storage);
        }
    }

    /// <summary>
    /// The start-up reference: from process start, Npgsql alone (no library) opens a connection and reads the same session rows
    /// (id, title, message count, last update) the list returns: the floor the store's open + list stands on.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, double>> NpgsqlAloneListAsync(string schema, int expected)
    {
        long entered = Stopwatch.GetTimestamp();
        double runtimeMs = SinceProcessStartMs();

        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        long connected = Stopwatch.GetTimestamp();
        await using var command = new NpgsqlCommand(
            $"SELECT id, title, message_count, updated_ticks FROM \"{schema}\".sessions ORDER BY updated_ticks DESC, id", connection);
        int count = 0;
        long sum = 0;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                count++;
                sum += reader.GetString(0).Length + reader.GetString(1).Length + reader.GetInt64(2) + reader.GetInt64(3) % 2;
            }
        }

        long listed = Stopwatch.GetTimestamp();
        double jitMs = System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds;
        if (count != expected || sum <= 0) throw new InvalidOperationException($"read {count} rows, expected {expected}");
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["runtime"] = runtimeMs,
            ["connect"] = ElapsedMs(entered, connected),
            ["query"] = ElapsedMs(connected, listed),
            ["total"] = runtimeMs + ElapsedMs(entered, listed),
            ["jit"] = jitMs,
        };
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

    /// <summary>Services for the start-up child: a logger factory that notes when Npgsql opened its first connection and when the
    /// store found its schema ready (the logs they write anyway; nothing else is enabled).</summary>
    public sealed class StartupProbe : IServiceProvider, Microsoft.Extensions.Logging.ILoggerFactory
    {
        public long? ConnectionOpened { get; private set; }

        public long? SchemaReady { get; private set; }

        public object? GetService(Type serviceType) => serviceType == typeof(Microsoft.Extensions.Logging.ILoggerFactory) ? this : null;

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class Logger(StartupProbe probe, string category) : Microsoft.Extensions.Logging.ILogger
        {
            private readonly bool _watched = category is "Npgsql.Connection" or "Sessions.Sdk.PostgreSql";

            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            // Debug and up: Npgsql's "Opened connection" is a Debug message; its Trace messages (every step of the open) would
            // cost the measured process formatting and JIT an application logging at Information never pays.
            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => _watched && logLevel >= Microsoft.Extensions.Logging.LogLevel.Debug;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel)) return;
                long now = System.Diagnostics.Stopwatch.GetTimestamp();
                if (category == "Sessions.Sdk.PostgreSql")
                {
                    if (eventId.Id == 4202) probe.SchemaReady ??= now;
                }
                else if (probe.ConnectionOpened is null && formatter(state, exception).StartsWith("Opened connection", StringComparison.Ordinal))
                {
                    probe.ConnectionOpened = now;
                }
            }
        }
    }

    private sealed class Builder : ISessionsBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();
    }

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public static readonly EmptyServiceProvider Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
