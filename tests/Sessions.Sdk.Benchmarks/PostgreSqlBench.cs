using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Sessions.Sdk.Benchmarks;

/// <summary>Shared plumbing of the PostgreSQL workloads: server discovery, schemas, the store built through its public registration.</summary>
internal static class PostgreSqlBench
{
    /// <summary>Milliseconds from this process's start to now: the runtime's start-up, when called first thing in a child.</summary>
    public static double SinceProcessStartMs()
    {
        var now = TimeProvider.System.GetUtcNow();
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return (now - self.StartTime.ToUniversalTime()).TotalMilliseconds;
    }

    public const string ConnectionStringVariable = "SESSIONS_TEST_POSTGRES";

    /// <summary>Gets the test server's connection string, or <see langword="null"/> after printing why the workload is skipped.</summary>
    public static string? ConnectionStringOrSkip(string workload)
    {
        string? connectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            Console.Error.WriteLine($"{workload}: skipped, {ConnectionStringVariable} is not set (run under `bash .ci/run`-style server or export it).");
            return null;
        }

        return connectionString;
    }

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(ConnectionStringVariable) ?? throw new InvalidOperationException($"{ConnectionStringVariable} is not set.");

    public static string NewSchema(string workload) =>
        $"bench_{workload}_{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}_{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Builds the store with <c>UsePostgreSqlStorage</c> as an application would, and invokes the registered factory.</summary>
    public static ISessionStorage CreateStorage(string schema, bool asynchronousCommit = false, IServiceProvider? services = null)
    {
        var builder = new Builder();
        builder.UsePostgreSqlStorage(WithCommitMode(ConnectionString, asynchronousCommit), o => o.SchemaName = schema);
        var descriptor = builder.Services.Single(d => d.ServiceType == typeof(ISessionStorage));
        return (ISessionStorage)descriptor.ImplementationFactory!(services ?? EmptyServiceProvider.Instance);
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

    /// <summary>Adds <c>synchronous_commit=off</c> to a connection string when asked (commit returns before the WAL flush).</summary>
    public static string WithCommitMode(string connectionString, bool asynchronousCommit) =>
        asynchronousCommit ? new NpgsqlConnectionStringBuilder(connectionString) { Options = "-c synchronous_commit=off" }.ConnectionString : connectionString;

    public static async Task DisposeAsync(ISessionStorage storage)
    {
        if (storage is IAsyncDisposable disposable) await disposable.DisposeAsync();
    }

    public static async Task DropSchemaAsync(string schema)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Returns the server's durability settings, printed with the figures.</summary>
    public static async Task<string> ServerSettingsAsync()
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit')");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return $"PostgreSQL {reader.GetString(0)}, fsync={reader.GetString(1)}, synchronous_commit={reader.GetString(2)}";
    }

    /// <summary>Creates the PERFORMANCE.md message <paramref name="index"/> of a stream.</summary>
    public static SessionMessage Message(int index, string content, DateTimeOffset time) => new()
    {
        Message = new ChatMessage(index % 2 == 0 ? ChatRole.User : ChatRole.Assistant, content),
        Timestamp = time,
    };

    /// <summary>Creates <paramref name="count"/> messages of the stream with <paramref name="seed"/>.</summary>
    public static SessionMessage[] Messages(uint seed, int count, DateTimeOffset time)
    {
        var generator = new ContentGenerator(seed);
        var result = new SessionMessage[count];
        for (int i = 0; i < count; i++) result[i] = Message(i, generator.Next(), time.AddSeconds(i));
        return result;
    }

    /// <summary>Creates <paramref name="sessions"/> sessions of <paramref name="messagesEach"/> messages, four at a time, through the store.</summary>
    public static async Task CreateFixtureAsync(string schema, int sessions, int messagesEach, Func<int, uint> seedOf)
    {
        var storage = CreateStorage(schema);
        try
        {
            var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            int next = -1;
            var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                int s;
                while ((s = Interlocked.Increment(ref next)) < sessions)
                {
                    var created = start.AddMinutes(s);
                    var info = new SessionInfo { Id = $"s{s:0000}", Title = $"Session {s}", CreatedAt = created, UpdatedAt = created };
                    await storage.CreateAsync(info, Messages(seedOf(s), messagesEach, created));
                }
            })).ToArray();
            await Task.WhenAll(workers);
        }
        finally
        {
            await DisposeAsync(storage);
        }
    }

    public static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        int index = (int)Math.Clamp(Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[index];
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
