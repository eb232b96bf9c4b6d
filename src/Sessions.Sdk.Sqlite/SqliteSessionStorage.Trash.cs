using System.Globalization;
using System.Runtime.CompilerServices;

namespace Sessions.Sdk;

/// <summary>The trash: a trashed session's row is renamed to <c>~{id}</c> and stamped with <c>trashed_at</c>; its messages stay where they are.</summary>
/// <remarks>
/// One <c>UPDATE</c> of one row, so trashing and restoring are atomic and cost the same whatever the session's length. <c>~</c> is
/// not allowed in session ids, so every query by id misses a trashed row; listing, search and statistics filter
/// <c>trashed_at IS NULL</c>. The unique index on <c>ltrim(id, '~')</c> keeps a trashed session's id taken until it is purged.
/// </remarks>
internal sealed partial class SqliteSessionStorage : ISessionTrash
{
    private const string TrashPrefix = "~";

    /// <inheritdoc/>
    public ValueTask<bool> TrashAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId, nameof(sessionId));
        long now = _timeProvider.GetUtcNow().UtcTicks;
        return RunAsync(write: true, sessionId, "trash", lease =>
        {
            var update = lease.Command("UPDATE sessions SET id = $trashed, trashed_at = $now WHERE id = $id");
            SqliteLease.Set(update, "$id", sessionId);
            SqliteLease.Set(update, "$trashed", TrashPrefix + sessionId);
            SqliteLease.Set(update, "$now", now);
            return update.ExecuteNonQuery() > 0;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<TrashedSession> ListTrashAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var trashed = await RunAsync(write: false, null, "list trash", lease =>
        {
            var select = lease.Command($"SELECT {SessionColumns}, trashed_at FROM sessions WHERE trashed_at IS NOT NULL ORDER BY trashed_at DESC, id ASC");
            var result = new List<TrashedSession>();
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var info = ReadSession(reader);
                result.Add(new TrashedSession
                {
                    Session = info with { Id = info.Id[TrashPrefix.Length..] },
                    TrashedAt = FromTicks(reader.GetInt64(22)),
                });
            }

            return result;
        }, cancellationToken, fold: true).ConfigureAwait(false);
        foreach (var t in trashed)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return t;
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> RestoreAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId, nameof(sessionId));
        return RunAsync(write: true, sessionId, "restore", lease =>
        {
            // No live session can hold the id meanwhile: the index on ltrim(id, '~') keeps it taken.
            var update = lease.Command("UPDATE sessions SET id = $id, trashed_at = NULL WHERE id = $trashed");
            SqliteLease.Set(update, "$id", sessionId);
            SqliteLease.Set(update, "$trashed", TrashPrefix + sessionId);
            return update.ExecuteNonQuery() > 0;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<bool> PurgeAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId, nameof(sessionId));
        return RunAsync(write: true, sessionId, "purge", lease =>
        {
            var messages = lease.Command("DELETE FROM session_messages WHERE session_pk = (SELECT pk FROM sessions WHERE id = $trashed)");
            SqliteLease.Set(messages, "$trashed", TrashPrefix + sessionId);
            messages.ExecuteNonQuery();
            var delete = lease.Command("DELETE FROM sessions WHERE id = $trashed");
            SqliteLease.Set(delete, "$trashed", TrashPrefix + sessionId);
            return delete.ExecuteNonQuery() > 0;
        }, cancellationToken);
    }
}
