using System.Diagnostics;
using Microsoft.Extensions.AI;
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

    /// <summary>
    /// Runs every kind of store operation once in <paramref name="schema"/> and checks what comes back: create with messages of
    /// several content types, append one and three messages, read, update, search, replace, trash, restore and delete. In the
    /// Native AOT child it shows that the store works compiled ahead of time, not only that it compiles.
    /// </summary>
    /// <returns>The number of operations run.</returns>
    public static async Task<IReadOnlyDictionary<string, double>> ExerciseStoreAsync(string schema)
    {
        var storage = CreateStorage(schema);
        try
        {
            var time = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            SessionMessage At(int second, ChatMessage message) => new() { Message = message, Timestamp = time.AddSeconds(second) };
            string id = "aot-check-" + Guid.NewGuid().ToString("N")[..8];
            var call = new FunctionCallContent("call-1", "lookup", new Dictionary<string, object?>(StringComparer.Ordinal) { ["city"] = "Oslo", ["days"] = 3 });
            var created = await storage.CreateAsync(
                new SessionInfo { Id = id, Title = "AOT check", Tags = ["aot"], Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["k"] = "v" }, CreatedAt = time, UpdatedAt = time },
                [At(0, new ChatMessage(ChatRole.User, "weather for the zebra crossing")), At(1, new ChatMessage(ChatRole.Assistant, [call]))]);
            await storage.AppendMessagesAsync(id, [At(2, new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call-1", "sunny")]))]);
            await storage.AppendMessagesAsync(id, [
                At(3, new ChatMessage(ChatRole.Assistant, [new TextContent("It is sunny."), new DataContent(new byte[] { 1, 2, 3 }, "image/png")])),
                At(4, new ChatMessage(ChatRole.User, "thanks")),
                At(5, new ChatMessage(ChatRole.Assistant, "you are welcome"))]);
            var messages = await storage.GetMessagesAsync(id, MessageRange.All);
            var readCall = messages[1].Message.Contents.OfType<FunctionCallContent>().Single();
            var data = messages[3].Message.Contents.OfType<DataContent>().Single();
            if (messages.Count != 6 || messages[5].Sequence != 6 || readCall.Name != "lookup" || readCall.Arguments?["city"]?.ToString() != "Oslo"
                || !data.Data.Span.SequenceEqual(new byte[] { 1, 2, 3 }) || messages[2].Message.Contents.OfType<FunctionResultContent>().Single().CallId != "call-1")
            {
                throw new InvalidOperationException("the messages read back differ from those stored");
            }

            var info = await storage.GetAsync(id) ?? throw new InvalidOperationException("the session is missing");
            var updated = await storage.UpdateAsync(info with { Title = "AOT check, renamed" });
            int hits = 0;
            await foreach (var hit in ((ISessionSearch)storage).SearchAsync(new SessionSearchQuery { Text = "zebra", Tags = ["aot"] }))
            {
                if (hit.SessionId == id) hits++;
            }

            var replaced = await storage.ReplaceMessagesAsync(id, messages.Take(2).ToList(), updated.Version);
            var trash = (ISessionTrash)storage;
            bool trashed = await trash.TrashAsync(id);
            bool hidden = !await storage.ExistsAsync(id);
            bool restored = await trash.RestoreAsync(id);
            bool deleted = await storage.DeleteAsync(id);
            if (created.MessageCount != 2 || info.MessageCount != 6 || updated.Title != "AOT check, renamed" || hits != 1 || replaced.MessageCount != 2
                || !trashed || !hidden || !restored || !deleted || await storage.ExistsAsync(id))
            {
                throw new InvalidOperationException($"a store operation gave an unexpected result (count {info.MessageCount}, hits {hits}, replaced {replaced.MessageCount}, trash {trashed}/{hidden}/{restored}, deleted {deleted})");
            }

            return new Dictionary<string, double>(StringComparer.Ordinal) { ["operations"] = 13 };
        }
        finally
        {
            await DisposeAsync(storage);
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
