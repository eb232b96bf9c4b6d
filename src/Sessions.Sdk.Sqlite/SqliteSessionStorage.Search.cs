using System.Runtime.CompilerServices;

namespace Sessions.Sdk;

/// <summary>Full-text search over message text and session titles with FTS5 (bm25 ranking, highlighted snippets).</summary>
internal sealed partial class SqliteSessionStorage
{
    private const int SnippetTokens = 24;

    /// <inheritdoc/>
    public IAsyncEnumerable<SessionSearchHit> SearchAsync(SessionSearchQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (string.IsNullOrWhiteSpace(query.Text))
        {
            throw new ArgumentException("The search text is empty; give at least one word to find.", nameof(query));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(query.Skip, nameof(query));
        ArgumentOutOfRangeException.ThrowIfNegative(query.Take, nameof(query));
        return SearchCoreAsync(query, SqliteFtsQuery.Build(query.Text), cancellationToken);
    }

    private async IAsyncEnumerable<SessionSearchHit> SearchCoreAsync(SessionSearchQuery query, string? match, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (match is null || query.Take == 0) yield break;

        // Messages are indexed off the append path: a search that finds rows still pending indexes them first, so it never misses
        // a message whose append returned before the search began (in any process). The common case is one read transaction.
        List<SessionSearchHit>? hits = null;
        for (int attempt = 0; hits is null; attempt++)
        {
            bool indexFirst = attempt > 0;
            hits = await RunAsync(write: false, null, "search", lease => indexFirst || NothingPending(lease) ? SearchPage(lease, query, match) : null, cancellationToken).ConfigureAwait(false);
            if (hits is null) await IndexPendingAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var hit in hits)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return hit;
        }
    }

    /// <summary>Whether no message row waits to be indexed nor (schema 9) to be folded into its session row (a title hit's time is the
    /// session's update time); otherwise the search indexes and folds first, in one transaction.</summary>
    private bool NothingPending(SqliteLease lease) => PendingIndexRows(lease) == 0 && !(LazyAggregates && HasUnfolded(lease));

    private static List<SessionSearchHit> SearchPage(SqliteLease lease, SessionSearchQuery query, string match)
    {
        // Phase 1 ranks every match but reads only ids and scores; phase 2 builds snippets for the page alone.
        var filters = new List<string> { "s.trashed_at IS NULL" };
        var values = new List<(string Name, object? Value)> { ("$q", match) };
        var tags = query.Tags ?? [];
        for (int i = 0; i < tags.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(tags[i])) continue;
            string name = "$tag" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            filters.Add($"EXISTS (SELECT 1 FROM json_each(s.tags) WHERE sessions_iequals(json_each.value, {name}))");
            values.Add((name, tags[i]));
        }

        if (query.Kind is { } kind)
        {
            filters.Add("sessions_iequals(s.kind, $kind)");
            values.Add(("$kind", kind.Value));
        }

        if (query.ProviderName is { } provider)
        {
            filters.Add("sessions_iequals(s.provider, $provider)");
            values.Add(("$provider", provider));
        }

        if (query.From is { } from) values.Add(("$from", from.UtcTicks));
        if (query.To is { } to) values.Add(("$to", to.UtcTicks));
        string sessionFilter = " AND " + string.Join(" AND ", filters);
        string messageTime = (query.From is null ? string.Empty : " AND m.ts >= $from") + (query.To is null ? string.Empty : " AND m.ts < $to");
        string titleTime = (query.From is null ? string.Empty : " AND s.updated_at >= $from") + (query.To is null ? string.Empty : " AND s.updated_at < $to");

        string messages =
            "SELECT 0 AS kind, m.id AS rid, s.id AS sid, s.title AS title, m.seq AS seq, m.role AS role, m.ts AS ts, bm25(session_messages_fts) AS rank " +
            "FROM session_messages_fts JOIN session_messages m ON m.id = session_messages_fts.rowid JOIN sessions s ON s.pk = m.session_pk " +
            "WHERE session_messages_fts MATCH $q" + sessionFilter + messageTime;
        string titles =
            "SELECT 1 AS kind, s.pk AS rid, s.id AS sid, s.title AS title, NULL AS seq, NULL AS role, s.updated_at AS ts, bm25(session_titles_fts) AS rank " +
            "FROM session_titles_fts JOIN sessions s ON s.pk = session_titles_fts.rowid " +
            "WHERE session_titles_fts MATCH $q" + sessionFilter + titleTime;
        string sql = (query.IncludeTitles ? $"SELECT * FROM ({messages} UNION ALL {titles})" : $"SELECT * FROM ({messages})") +
            " ORDER BY rank, sid, kind DESC, seq LIMIT $take OFFSET $skip";
        var select = lease.Command(sql);
        foreach (var (name, value) in values) SqliteLease.Set(select, name, value);
        SqliteLease.Set(select, "$take", (long)query.Take);
        SqliteLease.Set(select, "$skip", (long)query.Skip);
        var page = new List<(int Kind, long RowId, string SessionId, string Title, long? Seq, string? Role, long Ticks, double Rank)>();
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                page.Add((
                    reader.GetInt32(0),
                    reader.GetInt64(1),
                    reader.GetString(2),
                    reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetInt64(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.GetInt64(6),
                    reader.GetDouble(7)));
            }
        }

        var hits = new List<SessionSearchHit>(page.Count);
        if (page.Count == 0) return hits;
        string start = query.HighlightStart ?? string.Empty, end = query.HighlightEnd ?? string.Empty;
        var messageSnippet = lease.Command(
            $"SELECT snippet(session_messages_fts, 0, $hs, $he, '…', {SnippetTokens}) FROM session_messages_fts WHERE session_messages_fts MATCH $q AND rowid = $rid");
        var titleSnippet = lease.Command(
            "SELECT highlight(session_titles_fts, 0, $hs, $he) FROM session_titles_fts WHERE session_titles_fts MATCH $q AND rowid = $rid");
        foreach (var hit in page)
        {
            var command = hit.Kind == 0 ? messageSnippet : titleSnippet;
            SqliteLease.Set(command, "$hs", start);
            SqliteLease.Set(command, "$he", end);
            SqliteLease.Set(command, "$q", match);
            SqliteLease.Set(command, "$rid", hit.RowId);
            string snippet = command.ExecuteScalar() as string ?? (hit.Kind == 0 ? string.Empty : hit.Title);
            hits.Add(new SessionSearchHit
            {
                SessionId = hit.SessionId,
                SessionTitle = hit.Title,
                Sequence = hit.Seq,
                Role = hit.Role,
                Snippet = snippet,
                Score = -hit.Rank,
                Timestamp = new DateTimeOffset(hit.Ticks, TimeSpan.Zero),
            });
        }

        return hits;
    }
}
