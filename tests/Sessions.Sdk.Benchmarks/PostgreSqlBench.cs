using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Sessions.Sdk.Benchmarks;

/// <summary>Shared plumbing of the PostgreSQL workloads: server discovery, schemas, the store built through its public registration.</summary>
internal static partial class PostgreSqlBench
{
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

    public static string NewSchema(string workload) =>
        $"bench_{workload}_{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}_{Guid.NewGuid().ToString("N")[..8]}";

    public static async Task DropSchemaAsync(string schema)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs <c>VACUUM ANALYZE</c> on the store's tables in <paramref name="schema"/>, as autovacuum does some time after a bulk
    /// load: it merges the GIN pending list the load left (entries every search scans one by one until then) into the index and
    /// refreshes the planner's statistics, so what is measured next does not depend on whether autovacuum has run yet.</summary>
    public static async Task VacuumAsync(string schema)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand($"VACUUM ANALYZE \"{schema}\".messages, \"{schema}\".session_rows");
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
}
