using System.Globalization;

namespace Sessions.Sdk;

/// <summary>Statistics across sessions, aggregated in SQL over the session rows (messages are not read).</summary>
internal sealed partial class SqliteSessionStorage : ISessionStatisticsSource
{
    /// <inheritdoc/>
    public ValueTask<SessionsStatistics> GetStatisticsAsync(SessionQuery query, int mostActive, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(mostActive);
        return RunAsync(write: false, null, "statistics", lease =>
        {
            var (where, values) = Filters(query);
            string filter = " WHERE " + string.Join(" AND ", where);

            // Costs are exact decimals stored as text: SQL groups them, .NET adds them (a REAL sum would round).
            var groups = new List<SessionsStatisticsGroup>();
            var byGroup = lease.Command(
                "SELECT provider, model, count(*), sum(message_count), sum(usage_input), sum(usage_output), sum(usage_total), sum(usage_requests), " +
                "sum(size_bytes), group_concat(usage_cost, ' '), sum(usage_unpriced) FROM sessions" + filter + " GROUP BY provider, model");
            foreach (var (name, value) in values) SqliteLease.Set(byGroup, name, value);
            long sessions = 0, messages = 0, size = 0;
            var total = SessionUsage.Empty;
            using (var reader = byGroup.ExecuteReader())
            {
                while (reader.Read())
                {
                    decimal cost = 0;
                    foreach (var part in reader.GetString(9).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        cost += decimal.Parse(part, NumberStyles.Float, CultureInfo.InvariantCulture);
                    }

                    var usage = new SessionUsage
                    {
                        InputTokens = reader.GetInt64(4),
                        OutputTokens = reader.GetInt64(5),
                        TotalTokens = reader.GetInt64(6),
                        Requests = reader.GetInt32(7),
                        Cost = cost,
                        UnpricedRequests = reader.GetInt32(10),
                    };
                    var group = new SessionsStatisticsGroup
                    {
                        ProviderName = reader.IsDBNull(0) ? null : reader.GetString(0),
                        ModelId = reader.IsDBNull(1) ? null : reader.GetString(1),
                        Sessions = reader.GetInt64(2),
                        Messages = reader.GetInt64(3),
                        Usage = usage,
                    };
                    groups.Add(group);
                    sessions += group.Sessions;
                    messages += group.Messages;
                    size += reader.GetInt64(8);
                    total = total.Add(usage);
                }
            }

            // Days: UTC ticks / ticks per day (864,000,000,000) is the day number DateOnly counts from.
            var days = new List<SessionsActivityDay>();
            var byDay = lease.Command(
                "SELECT d, sum(u), sum(c) FROM (SELECT updated_at / 864000000000 AS d, 1 AS u, 0 AS c FROM sessions" + filter +
                " UNION ALL SELECT created_at / 864000000000, 0, 1 FROM sessions" + filter + ") GROUP BY d ORDER BY d");
            foreach (var (name, value) in values) SqliteLease.Set(byDay, name, value);
            using (var reader = byDay.ExecuteReader())
            {
                while (reader.Read())
                {
                    days.Add(new SessionsActivityDay { Day = DateOnly.FromDayNumber((int)reader.GetInt64(0)), SessionsUpdated = reader.GetInt64(1), SessionsCreated = reader.GetInt64(2) });
                }
            }

            var top = new List<SessionInfo>();
            if (mostActive > 0)
            {
                var select = lease.Command($"SELECT {SessionColumns} FROM sessions{filter} ORDER BY message_count DESC, id ASC LIMIT $top");
                foreach (var (name, value) in values) SqliteLease.Set(select, name, value);
                SqliteLease.Set(select, "$top", (long)mostActive);
                using var reader = select.ExecuteReader();
                while (reader.Read()) top.Add(ReadSession(reader));
            }

            return new SessionsStatistics
            {
                Sessions = sessions,
                Messages = messages,
                Usage = total,
                SizeBytes = size,
                ByProviderAndModel = SessionsStatisticsCalculator.Order(groups),
                ActivityByDay = days,
                MostActive = top,
            };
        }, cancellationToken, fold: true);
    }
}
