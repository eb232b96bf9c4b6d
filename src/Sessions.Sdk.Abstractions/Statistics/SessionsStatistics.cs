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

    /// <summary>Gets the usage they accumulated (tokens, cost, model requests); the cost is incomplete when <see cref="SessionUsage.UnpricedRequests"/> is not zero.</summary>
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
/// <remarks>Written with reference-type collections and plain arrays only, so a new process compiles little before its first answer.</remarks>
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
        var all = sessions as IReadOnlyList<SessionInfo> ?? sessions.ToList();
        long messages = 0, size = 0;
        var total = new Accumulator();
        var groups = new Dictionary<string, Accumulator>(StringComparer.Ordinal);
        var updatedDays = new int[all.Count];
        var createdDays = new int[all.Count];
        for (int i = 0; i < all.Count; i++)
        {
            var s = all[i];
            messages += s.MessageCount;
            size += s.SizeBytes;
            total.Add(s);
            string key = (s.ProviderName is null ? "0" : "1" + s.ProviderName) + "\u0000" + (s.ModelId is null ? "0" : "1" + s.ModelId);
            if (!groups.TryGetValue(key, out var group))
            {
                group = new Accumulator { ProviderName = s.ProviderName, ModelId = s.ModelId };
                groups.Add(key, group);
            }

            group.Add(s);
            updatedDays[i] = DayNumber(s.UpdatedAt);
            createdDays[i] = DayNumber(s.CreatedAt);
        }

        var byGroup = new List<SessionsStatisticsGroup>(groups.Count);
        foreach (var g in groups.Values)
        {
            byGroup.Add(new SessionsStatisticsGroup { ProviderName = g.ProviderName, ModelId = g.ModelId, Sessions = g.Sessions, Messages = g.Messages, Usage = g.ToUsage() });
        }

        return new SessionsStatistics
        {
            Sessions = all.Count,
            Messages = messages,
            Usage = total.ToUsage(),
            SizeBytes = size,
            ByProviderAndModel = Order(byGroup),
            ActivityByDay = Days(updatedDays, createdDays),
            MostActive = MostActive(all, mostActive),
        };
    }

    /// <summary>Orders groups the way <see cref="SessionsStatistics.ByProviderAndModel"/> promises.</summary>
    /// <param name="groups">The groups.</param>
    /// <returns>The groups by total tokens descending, then provider and model (ordinal, <see langword="null"/> first).</returns>
    public static IReadOnlyList<SessionsStatisticsGroup> Order(IEnumerable<SessionsStatisticsGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var list = new List<SessionsStatisticsGroup>(groups);
        list.Sort(static (a, b) =>
        {
            int byTokens = b.Usage.TotalTokens.CompareTo(a.Usage.TotalTokens);
            if (byTokens != 0) return byTokens;
            int byProvider = string.CompareOrdinal(a.ProviderName, b.ProviderName);
            return byProvider != 0 ? byProvider : string.CompareOrdinal(a.ModelId, b.ModelId);
        });
        return list;
    }

    private static int DayNumber(DateTimeOffset time) => (int)(time.UtcTicks / TimeSpan.TicksPerDay);

    private static List<SessionsActivityDay> Days(int[] updated, int[] created)
    {
        Array.Sort(updated);
        Array.Sort(created);
        var days = new List<SessionsActivityDay>();
        int u = 0, c = 0;
        while (u < updated.Length || c < created.Length)
        {
            int day = u < updated.Length && (c >= created.Length || updated[u] <= created[c]) ? updated[u] : created[c];
            long nu = 0, nc = 0;
            while (u < updated.Length && updated[u] == day) { nu++; u++; }
            while (c < created.Length && created[c] == day) { nc++; c++; }
            days.Add(new SessionsActivityDay { Day = DateOnly.FromDayNumber(day), SessionsUpdated = nu, SessionsCreated = nc });
        }

        return days;
    }

    private static List<SessionInfo> MostActive(IReadOnlyList<SessionInfo> sessions, int keep)
    {
        var top = new List<SessionInfo>(Math.Min(sessions.Count, keep * 4 + 1));
        if (keep == 0) return top;
        foreach (var s in sessions)
        {
            top.Add(s);
            if (top.Count > keep * 4) Trim(top, keep);
        }

        Trim(top, keep);
        return top;
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

    private sealed class Accumulator
    {
        public string? ProviderName;
        public string? ModelId;
        public long Sessions;
        public long Messages;
        private long _input;
        private long _output;
        private long _total;
        private decimal _cost;
        private int _requests;
        private int _unpriced;

        public void Add(SessionInfo s)
        {
            Sessions++;
            Messages += s.MessageCount;
            var u = s.Usage;
            _input += u.InputTokens;
            _output += u.OutputTokens;
            _total += u.TotalTokens;
            _cost += u.Cost;
            _requests += u.Requests;
            _unpriced += u.UnpricedRequests;
        }

        public SessionUsage ToUsage() => _input == 0 && _output == 0 && _total == 0 && _cost == 0 && _requests == 0 && _unpriced == 0
            ? SessionUsage.Empty
            : new SessionUsage { InputTokens = _input, OutputTokens = _output, TotalTokens = _total, Cost = _cost, Requests = _requests, UnpricedRequests = _unpriced };
    }
}
