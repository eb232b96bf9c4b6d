using System.Globalization;
using Npgsql;

namespace Sessions.Sdk;

/// <summary>Statistics across sessions, aggregated in SQL over the live session rows (messages are not read).</summary>
internal sealed partial class PostgreSqlSessionStorage : ISessionStatisticsSource
{
    /// <inheritdoc/>
    public async ValueTask<SessionsStatistics> GetStatisticsAsync(SessionQuery query, int mostActive, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(mostActive);
        var (filtered, parameters) = Filters(query, "SELECT *");

        // Sums come back as text (like session rows) so a new process compiles no numeric converter for them.
        string sql = $"""
            WITH s AS ({filtered})
            SELECT 0, json_build_array(provider_name, model_id, count(*), sum(message_count), sum(input_tokens), sum(output_tokens), sum(total_tokens),
                sum(cost), sum(requests), sum(size_bytes))::text
            FROM s GROUP BY provider_name, model_id
            UNION ALL
            SELECT 1, json_build_array(d, sum(u), sum(c))::text FROM (
                SELECT updated_ticks / 864000000000 AS d, 1 AS u, 0 AS c FROM s
                UNION ALL SELECT created_ticks / 864000000000, 0, 1 FROM s) days GROUP BY d
            UNION ALL
            SELECT 2, t.row FROM (SELECT {SessionColumns} AS row FROM s ORDER BY message_count DESC, id COLLATE "C" ASC LIMIT {mostActive.ToString(CultureInfo.InvariantCulture)}) t
            """;
        var groups = new List<SessionsStatisticsGroup>();
        var days = new SortedDictionary<long, SessionsActivityDay>();
        var top = new List<SessionInfo>();
        long sessions = 0, messages = 0, size = 0;
        var total = SessionUsage.Empty;
        await RunAsync("compute statistics", null, async connection =>
        {
            using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddRange(parameters.ToArray());
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                int kind = reader.GetInt32(0);
                string row = reader.GetString(1);
                if (kind == 2)
                {
                    top.Add(ParseSession(row));
                    continue;
                }

                using var json = System.Text.Json.JsonDocument.Parse(row);
                var a = json.RootElement;
                if (kind == 1)
                {
                    long day = a[0].GetInt64();
                    days[day] = new SessionsActivityDay { Day = DateOnly.FromDayNumber((int)day), SessionsUpdated = a[1].GetInt64(), SessionsCreated = a[2].GetInt64() };
                    continue;
                }

                var usage = new SessionUsage
                {
                    InputTokens = a[4].GetInt64(),
                    OutputTokens = a[5].GetInt64(),
                    TotalTokens = a[6].GetInt64(),
                    Cost = a[7].GetDecimal(),
                    Requests = a[8].GetInt32(),
                };
                var group = new SessionsStatisticsGroup
                {
                    ProviderName = a[0].ValueKind == System.Text.Json.JsonValueKind.Null ? null : a[0].GetString(),
                    ModelId = a[1].ValueKind == System.Text.Json.JsonValueKind.Null ? null : a[1].GetString(),
                    Sessions = a[2].GetInt64(),
                    Messages = a[3].GetInt64(),
                    Usage = usage,
                };
                groups.Add(group);
                sessions += group.Sessions;
                messages += group.Messages;
                size += a[9].GetInt64();
                total = total.Add(usage);
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);

        return new SessionsStatistics
        {
            Sessions = sessions,
            Messages = messages,
            Usage = total,
            SizeBytes = size,
            ByProviderAndModel = SessionsStatisticsCalculator.Order(groups),
            ActivityByDay = [.. days.Values],
            MostActive = top,
        };
    }
}
