using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Benchmarks;

/// <summary>Shared plumbing of the SQLite workloads: the store built through its public registration, fixtures, percentiles.</summary>
internal static class SqliteBench
{
    /// <summary>Builds the store with <c>UseSqliteStorage</c> as an application would, and invokes the registered factory.</summary>
    public static ISessionStorage CreateStorage(string databasePath, bool fullSync = false, int? indexBatch = null)
    {
        var builder = new Builder();
        builder.UseSqliteStorage($"Data Source={databasePath}", o => o.Synchronous = fullSync ? SqliteSynchronousMode.Full : SqliteSynchronousMode.Normal);
        var descriptor = builder.Services.Single(d => d.ServiceType == typeof(ISessionStorage));
        var storage = (ISessionStorage)descriptor.ImplementationFactory!(EmptyServiceProvider.Instance);
        if (indexBatch is { } batch)
        {
            // A diagnostic only (the store's internal background-pass threshold; no public option on purpose).
            storage.GetType().GetProperty("BackgroundIndexBatch", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.SetValue(storage, batch);
        }

        return storage;
    }

    public static void Dispose(ISessionStorage storage) => (storage as IDisposable)?.Dispose();

    /// <summary>Creates the PERFORMANCE.md messages of one stream: role by index, 400 generated characters each.</summary>
    public static SessionMessage[] Messages(uint seed, int count, DateTimeOffset start)
    {
        var generator = new ContentGenerator(seed);
        var messages = new SessionMessage[count];
        for (int i = 0; i < count; i++)
        {
            messages[i] = new SessionMessage
            {
                Message = new ChatMessage(new ChatRole(ContentGenerator.Role(i)), generator.Next()),
                Timestamp = start.AddSeconds(i),
            };
        }

        return messages;
    }

    /// <summary>Writes <paramref name="sessions"/> sessions named s0000… of <paramref name="messagesPerSession"/> messages through the store.</summary>
    public static async Task CreateFixtureAsync(string databasePath, int sessions, int messagesPerSession, Func<int, uint> seedOf)
    {
        var storage = CreateStorage(databasePath);
        try
        {
            var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            for (int s = 0; s < sessions; s++)
            {
                var time = start.AddMinutes(s);
                await storage.CreateAsync(
                    new SessionInfo { Id = $"s{s:D4}", Title = $"Session {s:D4}", CreatedAt = time, UpdatedAt = time },
                    Messages(seedOf(s), messagesPerSession, time));
            }
        }
        finally
        {
            Dispose(storage);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    /// <summary>Counts the message rows above the search-index watermark (written, not yet indexed), read with a plain connection.</summary>
    public static async Task<long> PendingIndexRowsAsync(string databasePath)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={databasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM session_messages WHERE id > (SELECT indexed_upto FROM sessions_fts_state)";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Returns the size of the database file and its write-ahead log.</summary>
    public static long BytesOnDisk(string databasePath) =>
        new[] { databasePath, databasePath + "-wal" }.Where(File.Exists).Sum(p => new FileInfo(p).Length);

    public static double Percentile(List<double> values, double p)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0) return double.NaN;
        double rank = p * (sorted.Length - 1);
        int low = (int)Math.Floor(rank), high = (int)Math.Ceiling(rank);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
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

/// <summary>Writes a SQLite fixture in a child process: <c>sqlite-fixture {path} {sessions} {messages per session}</c>, seeds 43 + s.</summary>
/// <summary>The SQLite references' table (no library): one row per message, keyed like the store's, written by a prepared
/// autocommit INSERT of the same JSON the store writes.</summary>
internal sealed class SqliteReferenceTable : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _sequence;
    private readonly SqliteParameter _payload;

    /// <summary>Creates the table in a new WAL database.</summary>
    /// <param name="database">The database file.</param>
    /// <param name="pragmas">Further PRAGMA statements (synchronous mode, checkpointing).</param>
    public SqliteReferenceTable(string database, string pragmas)
    {
        _connection = new SqliteConnection($"Data Source={database}");
        _connection.Open();
        using (var setup = _connection.CreateCommand())
        {
            setup.CommandText = "PRAGMA journal_mode=WAL; " + pragmas + " " +
                "CREATE TABLE reference (session_id TEXT NOT NULL, seq INTEGER NOT NULL, payload BLOB NOT NULL, PRIMARY KEY (session_id, seq))";
            setup.ExecuteNonQuery();
        }

        _insert = _connection.CreateCommand();
        _insert.CommandText = "INSERT INTO reference (session_id, seq, payload) VALUES ('bench-session', $seq, $payload)";
        _sequence = _insert.Parameters.Add("$seq", SqliteType.Integer);
        _payload = _insert.Parameters.Add("$payload", SqliteType.Blob);
        _insert.Prepare();
    }

    /// <summary>Gets the open connection (for further reference work on the same database).</summary>
    public SqliteConnection Connection => _connection;

    /// <summary>Inserts a message as number <paramref name="sequence"/>, serialized as the store serializes it (autocommit).</summary>
    public void Insert(SessionMessage message, long sequence)
    {
        _sequence.Value = sequence;
        _payload.Value = SessionJson.SerializeMessage(message with { Sequence = sequence });
        _insert.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _insert.Dispose();
        _connection.Dispose();
    }
}

internal sealed class SqliteFixtureMeasurement : IChildMeasurement
{
    public const string MeasurementName = "sqlite-fixture";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        int sessions = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        int messages = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        await SqliteBench.CreateFixtureAsync(args[0], sessions, messages, s => (uint)(43 + s));
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["ms"] = Harness.ElapsedMs(start, System.Diagnostics.Stopwatch.GetTimestamp()),
            ["bytes"] = SqliteBench.BytesOnDisk(args[0]),
        };
    }
}
