namespace Sessions.Sdk;

/// <summary>Statistics across many sessions, computed from their information without reading messages.</summary>
public sealed record SessionsStatistics
{
    /// <summary>Gets an empty result.</summary>
    public static SessionsStatistics Empty { get; } = new()
    {
        ByProviderAndModel = [],
        ActivityByDay = [],
        MostActive = [],
    };

    /// <summary>Gets the number of sessions counted.</summary>
    public long Sessions { get; init; }

    /// <summary>Gets the number of messages stored in them.</summary>
    public long Messages { get; init; }

    /// <summary>Gets the usage they accumulated (tokens, cost, model requests).</summary>
    public SessionUsage Usage { get; init; } = SessionUsage.Empty;

    /// <summary>Gets their approximate stored size in bytes (0 for stores that do not report sizes).</summary>
    public long SizeBytes { get; init; }

    /// <summary>Gets the figures per provider and model (as recorded on each session; <see langword="null"/> names are the defaults), most tokens first.</summary>
    public required IReadOnlyList<SessionsStatisticsGroup> ByProviderAndModel { get; init; }

    /// <summary>Gets the sessions last updated on each UTC day, oldest day first (days without any are left out).</summary>
    public required IReadOnlyList<SessionsActivityDay> ActivityByDay { get; init; }

    /// <summary>Gets the sessions with the most messages, most first (ties by id).</summary>
    public required IReadOnlyList<SessionInfo> MostActive { get; init; }
}

/// <summary>Figures for the sessions of one provider and model.</summary>
public sealed record SessionsStatisticsGroup
{
    /// <summary>Gets the provider name; <see langword="null"/> for sessions on the default provider.</summary>
    public string? ProviderName { get; init; }

    /// <summary>Gets the model; <see langword="null"/> for sessions on the provider's default model.</summary>
    public string? ModelId { get; init; }

    /// <summary>Gets the number of sessions.</summary>
    public long Sessions { get; init; }

    /// <summary>Gets the number of messages stored in them.</summary>
    public long Messages { get; init; }

    /// <summary>Gets their accumulated usage; <see cref="SessionUsage.Requests"/> is the number of model responses.</summary>
    public SessionUsage Usage { get; init; } = SessionUsage.Empty;
}

/// <summary>Activity on one UTC day.</summary>
public sealed record SessionsActivityDay
{
    /// <summary>Gets the UTC day.</summary>
    public required DateOnly Day { get; init; }

    /// <summary>Gets the number of sessions last updated that day.</summary>
    public long SessionsUpdated { get; init; }

    /// <summary>Gets the number of sessions created that day.</summary>
    public long SessionsCreated { get; init; }
}

/// <summary>Computes <see cref="SessionsStatistics"/> from session information; the reference every <see cref="ISessionStatisticsSource"/> agrees with.</summary>
public static class SessionsStatisticsCalculator
{
    /// <summary>Folds listed sessions into statistics.</summary>
    /// <param name="sessions">The sessions to count (already filtered).</param>
    /// <param name="mostActive">How many of the sessions with the most messages to keep.</param>
    /// <returns>The statistics; groups ordered by total tokens descending, then provider and model (ordinal, <see langword="null"/> first).</returns>
    public static SessionsStatistics Fold(IEnumerable<SessionInfo> sessions, int mostActive)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentOutOfRangeException.ThrowIfNegative(mostActive);
        long count = 0, messages = 0, size = 0;
        var usage = SessionUsage.Empty;
        var groups = new Dictionary<(string?, string?), SessionsStatisticsGroup>();
        var days = new SortedDictionary<DateOnly, (long Updated, long Created)>();
        var top = new List<SessionInfo>();
        foreach (var s in sessions)
        {
            count++;
            messages += s.MessageCount;
            size += s.SizeBytes;
            usage = usage.Add(s.Usage);
            var key = (s.ProviderName, s.ModelId);
            groups[key] = groups.TryGetValue(key, out var g)
                ? g with { Sessions = g.Sessions + 1, Messages = g.Messages + s.MessageCount, Usage = g.Usage.Add(s.Usage) }
                : new SessionsStatisticsGroup { ProviderName = s.ProviderName, ModelId = s.ModelId, Sessions = 1, Messages = s.MessageCount, Usage = SessionUsage.Empty.Add(s.Usage) };
            var updated = DateOnly.FromDateTime(s.UpdatedAt.UtcDateTime);
            days.TryGetValue(updated, out var u);
            days[updated] = (u.Updated + 1, u.Created);
            var created = DateOnly.FromDateTime(s.CreatedAt.UtcDateTime);
            days.TryGetValue(created, out var c);
            days[created] = (c.Updated, c.Created + 1);
            if (mostActive > 0)
            {
                top.Add(s);
                if (top.Count > mostActive * 4) Trim(top, mostActive);
            }
        }

        Trim(top, mostActive);
        return new SessionsStatistics
        {
            Sessions = count,
            Messages = messages,
            Usage = usage,
            SizeBytes = size,
            ByProviderAndModel = Order(groups.Values),
            ActivityByDay = [.. days.Select(d => new SessionsActivityDay { Day = d.Key, SessionsUpdated = d.Value.Updated, SessionsCreated = d.Value.Created })],
            MostActive = top,
        };
    }

    /// <summary>Orders groups the way <see cref="SessionsStatistics.ByProviderAndModel"/> promises.</summary>
    /// <param name="groups">The groups.</param>
    /// <returns>The groups by total tokens descending, then provider and model (ordinal, <see langword="null"/> first).</returns>
    public static IReadOnlyList<SessionsStatisticsGroup> Order(IEnumerable<SessionsStatisticsGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return [.. groups
            .OrderByDescending(g => g.Usage.TotalTokens)
            .ThenBy(g => g.ProviderName, StringComparer.Ordinal)
            .ThenBy(g => g.ModelId, StringComparer.Ordinal)];
    }

    private static void Trim(List<SessionInfo> top, int keep)
    {
        top.Sort(static (a, b) =>
        {
            int byCount = b.MessageCount.CompareTo(a.MessageCount);
            return byCount != 0 ? byCount : string.CompareOrdinal(a.Id, b.Id);
        });
        if (top.Count > keep) top.RemoveRange(keep, top.Count - keep);
    }
}
