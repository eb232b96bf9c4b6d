using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Sessions.Sdk.Benchmarks;

/// <summary>
/// W7-PostgreSql, issue 15: where an append's time goes above the reference INSERT. One process runs five writes per message, in an
/// order shuffled per message (a fixed order lets each write inherit the server work its predecessor left behind):
/// <list type="number">
/// <item>the reference: a prepared committed INSERT of the message JSON into (session_id, seq, payload);</item>
/// <item>the store's append;</item>
/// <item>the store's append in a second schema whose search index (the GIN index on the messages' tsvector) is dropped;</item>
/// <item>a bare prepared INSERT of a row shaped like the store's message row (role, time, payload, checksum, text, tsvector), its
/// sequence given: no search index, no session row, no lookup;</item>
/// <item>the floor: the least an append can do and still refuse a session that is gone: a prepared INSERT of the message row
/// without search text or tsvector (role, time, payload, checksum), its sequence given by the client, guarded by a lookup of the
/// live session row (<c>WHERE EXISTS</c> on the store's own <c>session_rows</c>). No search data, no session aggregates, no
/// sequence assignment: what is left when everything the issue allows to move off the append has moved.</item>
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
            string floor = $"\"{schema}\".floor_{suffix}";
            await using (var setup = new NpgsqlCommand(
                $"""
                DROP INDEX "{noIndexSchema}".messages_tsv_idx;
                CREATE TABLE {reference} (session_id text, seq bigint, payload text, PRIMARY KEY (session_id, seq));
                CREATE TABLE {bare} (session_id text, seq bigint, role text NOT NULL, ts_ticks bigint NOT NULL, payload text NOT NULL, checksum integer,
                    content text NOT NULL, tsv tsvector NOT NULL, PRIMARY KEY (session_id, seq));
                CREATE TABLE {floor} (session_id text, seq bigint, role text NOT NULL, ts_ticks bigint NOT NULL, payload text NOT NULL, checksum integer,
                    PRIMARY KEY (session_id, seq));
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
            AddRowParameters(row.Parameters, "bench-session");
            row.Parameters.Add(new NpgsqlParameter<string>());
            row.Parameters.Add(new NpgsqlParameter<string>());
            await row.PrepareAsync();
            await using var least = new NpgsqlCommand(
                $"INSERT INTO {floor} (session_id, seq, role, ts_ticks, payload, checksum) SELECT $1, $2, $3, $4, $5, $6 " +
                $"WHERE EXISTS (SELECT 1 FROM \"{schema}\".session_rows WHERE id = $1 AND trashed_ticks IS NULL)", connection);
            AddRowParameters(least.Parameters, id);
            await least.PrepareAsync();

            const int Writes = 5;
            var times = new double[Writes][];
            for (int k = 0; k < Writes; k++) times[k] = new double[count];
            var random = new Random(15);
            int[] order = [0, 1, 2, 3, 4];
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
                        case 3:
                            SetRow(row.Parameters, i + 1, message);
                            ((NpgsqlParameter<string>)row.Parameters[6]).TypedValue = message.Text;
                            ((NpgsqlParameter<string>)row.Parameters[7]).TypedValue = Words(message.Text);
                            await row.ExecuteNonQueryAsync();
                            break;
                        default:
                            SetRow(least.Parameters, i + 1, message);
                            if (await least.ExecuteNonQueryAsync() != 1) throw new InvalidOperationException("the floor's session lookup found no live session");
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
            string[] names = ["reference", "append", "appendNoIndex", "bareRow", "floor"];
            var result = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int k = 0; k < Writes; k++)
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

    /// <summary>Adds the parameters a message row starts with: session id (given), sequence, role, time, payload and checksum.</summary>
    private static void AddRowParameters(NpgsqlParameterCollection parameters, string sessionId)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = sessionId });
        parameters.Add(new NpgsqlParameter<long>());
        parameters.Add(new NpgsqlParameter<string>());
        parameters.Add(new NpgsqlParameter<long>());
        parameters.Add(new NpgsqlParameter<string>());
        parameters.Add(new NpgsqlParameter<int>());
    }

    /// <summary>Sets a message row's sequence, role, time, payload (the message JSON at that sequence) and checksum column.</summary>
    private static void SetRow(NpgsqlParameterCollection parameters, long sequence, SessionMessage message)
    {
        string json = SessionJson.SerializeMessageToString(message with { Sequence = sequence });
        ((NpgsqlParameter<long>)parameters[1]).TypedValue = sequence;
        ((NpgsqlParameter<string>)parameters[2]).TypedValue = message.Role.Value;
        ((NpgsqlParameter<long>)parameters[3]).TypedValue = message.Timestamp.UtcTicks;
        ((NpgsqlParameter<string>)parameters[4]).TypedValue = json;
        // Any integer: what is measured is the column's cost, not a checksum's (the store's rule is internal).
        ((NpgsqlParameter<int>)parameters[5]).TypedValue = json.Length;
    }

    /// <summary>A tsvector literal of the text's words (maximal runs of letters and digits, lower-cased) with every position a word
    /// occurs at (at most 255 each, as PostgreSQL keeps): the lexemes and positions the store indexes for the text, so the bare row's
    /// tsvector is as large as the store's.</summary>
    private static string Words(string text)
    {
        var positions = new Dictionary<string, List<int>>(StringComparer.Ordinal);
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
            if (!positions.TryGetValue(word, out var list)) positions.Add(word, list = []);
            if (list.Count < 255 && (list.Count == 0 || list[^1] != position)) list.Add(position);
        }

        return string.Join(' ', positions.Select(p => "'" + p.Key + "':" + string.Join(',', p.Value.Select(v => v.ToString(CultureInfo.InvariantCulture)))));
    }
}
