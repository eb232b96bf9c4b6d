using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;

namespace Sessions.Sdk.Benchmarks;

/// <summary>
/// W7-PostgreSql, issue 15: where an append's time goes above the reference INSERT. One process runs four writes per message, in an
/// order shuffled per message (a fixed order lets each write inherit the server work its predecessor left behind):
/// <list type="number">
/// <item>the reference: a prepared committed INSERT of the message JSON into (session_id, seq, payload);</item>
/// <item>the store's append;</item>
/// <item>the store's append in a second schema whose search index (the GIN index on the messages' tsvector) is dropped;</item>
/// <item>a bare prepared INSERT of a row shaped like the store's message row (role, time, payload, checksum, text, tsvector), its
/// sequence given: no search index, no session row, no lookup.</item>
/// </list>
/// </summary>
internal sealed class PostgreSqlAppendPartsMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w7-postgresql-parts";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        string schema = args[0];
        int count = int.Parse(args[1], CultureInfo.InvariantCulture);
        string suffix = Guid.NewGuid().ToString("N")[..8];
        string noIndexSchema = schema + "_noindex_" + suffix;
        var storage = PostgreSqlBench.CreateStorage(schema);
        var noIndexStorage = PostgreSqlBench.CreateStorage(noIndexSchema);
        await using var dataSource = NpgsqlDataSource.Create(PostgreSqlBench.ConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        try
        {
            var time = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            var messages = PostgreSqlBench.Messages(42, count, time);
            string id = "bench-parts-" + suffix;
            await storage.CreateAsync(new SessionInfo { Id = id, CreatedAt = time, UpdatedAt = time }, []);
            await noIndexStorage.CreateAsync(new SessionInfo { Id = id, CreatedAt = time, UpdatedAt = time }, []);
            string reference = $"\"{schema}\".reference_{suffix}";
            string bare = $"\"{schema}\".bare_{suffix}";
            await using (var setup = new NpgsqlCommand(
                $"""
                DROP INDEX "{noIndexSchema}".messages_tsv_idx;
                CREATE TABLE {reference} (session_id text, seq bigint, payload text, PRIMARY KEY (session_id, seq));
                CREATE TABLE {bare} (session_id text, seq bigint, role text NOT NULL, ts_ticks bigint NOT NULL, payload text NOT NULL, checksum integer,
                    content text NOT NULL, tsv tsvector NOT NULL, PRIMARY KEY (session_id, seq));
                """, connection))
            {
                await setup.ExecuteNonQueryAsync();
            }

            await using var insert = new NpgsqlCommand($"INSERT INTO {reference} (session_id, seq, payload) VALUES ($1, $2, $3)", connection);
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "bench-session" });
            insert.Parameters.Add(new NpgsqlParameter<long>());
            insert.Parameters.Add(new NpgsqlParameter<string>());
            await insert.PrepareAsync();
            await using var row = new NpgsqlCommand($"INSERT INTO {bare} (session_id, seq, role, ts_ticks, payload, checksum, content, tsv) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::tsvector)", connection);
            row.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "bench-session" });
            row.Parameters.Add(new NpgsqlParameter<long>());
            row.Parameters.Add(new NpgsqlParameter<string>());
            row.Parameters.Add(new NpgsqlParameter<long>());
            row.Parameters.Add(new NpgsqlParameter<string>());
            row.Parameters.Add(new NpgsqlParameter<int>());
            row.Parameters.Add(new NpgsqlParameter<string>());
            row.Parameters.Add(new NpgsqlParameter<string>());
            await row.PrepareAsync();

            var times = new double[4][];
            for (int k = 0; k < 4; k++) times[k] = new double[count];
            var random = new Random(15);
            int[] order = [0, 1, 2, 3];
            for (int i = 0; i < count; i++)
            {
                var message = messages[i];
                random.Shuffle(order);
                foreach (int k in order)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    switch (k)
                    {
                        case 0:
                            ((NpgsqlParameter<long>)insert.Parameters[1]).TypedValue = i + 1;
                            ((NpgsqlParameter<string>)insert.Parameters[2]).TypedValue = SessionJson.SerializeMessageToString(message with { Sequence = i + 1 });
                            await insert.ExecuteNonQueryAsync();
                            break;
                        case 1:
                            await storage.AppendMessagesAsync(id, [message]);
                            break;
                        case 2:
                            await noIndexStorage.AppendMessagesAsync(id, [message]);
                            break;
                        default:
                            string json = SessionJson.SerializeMessageToString(message with { Sequence = i + 1 });
                            ((NpgsqlParameter<long>)row.Parameters[1]).TypedValue = i + 1;
                            ((NpgsqlParameter<string>)row.Parameters[2]).TypedValue = message.Role.Value;
                            ((NpgsqlParameter<long>)row.Parameters[3]).TypedValue = message.Timestamp.UtcTicks;
                            ((NpgsqlParameter<string>)row.Parameters[4]).TypedValue = json;
                            // Any integer: what is measured is the column's cost, not a checksum's (the store's rule is internal).
                            ((NpgsqlParameter<int>)row.Parameters[5]).TypedValue = json.Length;
                            ((NpgsqlParameter<string>)row.Parameters[6]).TypedValue = message.Text;
                            ((NpgsqlParameter<string>)row.Parameters[7]).TypedValue = Words(message.Text);
                            await row.ExecuteNonQueryAsync();
                            break;
                    }

                    times[k][i] = Harness.ElapsedMs(t0, Stopwatch.GetTimestamp());
                }
            }

            if ((await storage.GetAsync(id))!.MessageCount != count || (await noIndexStorage.GetAsync(id))!.MessageCount != count)
            {
                throw new InvalidOperationException($"expected {count} messages in both stores");
            }

            int last = Math.Min(100, count);
            int half = count / 2;
            string[] names = ["reference", "append", "appendNoIndex", "bareRow"];
            var result = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int k = 0; k < 4; k++)
            {
                result[names[k] + "Last100"] = times[k].Skip(count - last).Average();
                result[names[k] + "Mean"] = times[k].Skip(half).Average();
            }

            return result;
        }
        finally
        {
            await PostgreSqlBench.DisposeAsync(storage);
            await PostgreSqlBench.DisposeAsync(noIndexStorage);
            await PostgreSqlBench.DropSchemaAsync(noIndexSchema);
        }
    }

    /// <summary>A tsvector literal of the text's words (maximal runs of letters and digits, lower-cased) at their first positions:
    /// as many lexemes as the store indexes for the text.</summary>
    private static string Words(string text)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sb = new StringBuilder(text.Length + 64);
        int position = 0;
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && !char.IsLetterOrDigit(text[i])) i++;
            int start = i;
            while (i < text.Length && char.IsLetterOrDigit(text[i])) i++;
            if (i == start) break;
            position = Math.Min(position + 1, 16383);
            string word = text[start..i].ToLowerInvariant();
            if (!seen.Add(word)) continue;
            if (sb.Length > 0) sb.Append(' ');
            sb.Append('\'').Append(word).Append("':").Append(position.ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }
}
