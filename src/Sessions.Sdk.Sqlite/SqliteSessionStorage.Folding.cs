namespace Sessions.Sdk;

/// <summary>Session-row aggregates off the append path (schema version 9): an append writes its message row only, and what it adds
/// to its session row (count, updated time, size, version, token usage) is folded in later, in batches.</summary>
/// <remarks>
/// The session rows are exact for the message rows whose id is at most <c>sessions_fts_state.folded_upto</c> (see
/// <see cref="SqliteSchema"/>). Rows above it are folded into their session rows with one grouped statement:
/// <list type="bullet">
/// <item>by the background pass, in the same transaction as the search indexing;</item>
/// <item>at the start and the end of every write transaction (so a write that reads or rewrites a session row sees every append,
/// and the rows it inserts itself, which update the session row directly, move the watermark past them);</item>
/// <item>before every read of session rows (get, list, statistics, search, trash listing) that finds rows pending, in a short write
/// of its own, so a read never misses an append that returned before it began, whichever process or instance appended it.</item>
/// </list>
/// Message reads take the session's count from its highest sequence and never wait for a fold.
/// </remarks>
internal sealed partial class SqliteSessionStorage
{
    private const string FoldSql =
        "UPDATE sessions SET message_count = message_count + p.n, updated_at = max(updated_at, p.at), size_bytes = size_bytes + p.size, " +
        "version = version + p.n, usage_input = usage_input + p.ui, usage_output = usage_output + p.uo, usage_total = usage_total + p.ut, " +
        "usage_requests = usage_requests + p.ur, usage_unpriced = usage_unpriced + p.uu " +
        "FROM (SELECT session_pk, count(*) AS n, max(appended_at) AS at, sum(append_size) AS size, sum(append_ui) AS ui, sum(append_uo) AS uo, " +
        "sum(append_ut) AS ut, sum(append_ur) AS ur, sum(append_uu) AS uu FROM session_messages " +
        "WHERE id > $from AND id <= $to AND appended_at IS NOT NULL GROUP BY session_pk) AS p WHERE sessions.pk = p.session_pk";

    /// <summary>Gets whether appends leave their session rows to a lazy fold (schema version 9 and later).</summary>
    private bool LazyAggregates => TargetSchemaVersion >= 9;

    /// <summary>Folds every pending append into its session row now; for tests, diagnostics and reads that find rows pending.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>Whether anything was pending.</returns>
    internal ValueTask<bool> FoldAsync(CancellationToken cancellationToken = default) =>
        RunAsync(write: true, null, "fold", FoldPending, cancellationToken, derived: true);

    /// <summary>Whether message rows above the fold watermark exist (one statement: two index seeks).</summary>
    private static bool HasUnfolded(SqliteLease lease) =>
        lease.Command("SELECT folded_upto < (SELECT coalesce(max(id), 0) FROM session_messages) FROM sessions_fts_state").ExecuteScalar() is 1L;

    /// <summary>Folds the message rows above the watermark into their session rows and advances the watermark past them.</summary>
    /// <param name="lease">A lease inside a write transaction.</param>
    /// <returns>Whether any row was above the watermark.</returns>
    private bool FoldPending(SqliteLease lease)
    {
        var state = lease.Command("SELECT folded_upto, (SELECT coalesce(max(id), 0) FROM session_messages) FROM sessions_fts_state");
        long upto, max;
        using (var reader = state.ExecuteReader())
        {
            if (!reader.Read()) return false;
            upto = reader.GetInt64(0);
            max = reader.GetInt64(1);
        }

        if (max <= upto) return false;
        var fold = lease.Command(FoldSql);
        SqliteLease.Set(fold, "$from", upto);
        SqliteLease.Set(fold, "$to", max);
        fold.ExecuteNonQuery();
        var advance = lease.Command("UPDATE sessions_fts_state SET folded_upto = $to");
        SqliteLease.Set(advance, "$to", max);
        advance.ExecuteNonQuery();
        return true;
    }
}
