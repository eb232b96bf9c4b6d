using System.Runtime.CompilerServices;
using Npgsql;

namespace Sessions.Sdk;

/// <summary>The trash: a trashed session's row is stamped with <c>trashed_ticks</c>; its messages stay where they are.</summary>
/// <remarks>
/// One <c>UPDATE</c> of one row, so trashing and restoring are atomic and cost the same whatever the session's length. Every other
/// operation goes through the <c>sessions</c> view, which shows only rows with no <c>trashed_ticks</c> (see <see cref="PostgreSqlSchema"/>),
/// so a trashed session is not listed, read, appended to or searched, and the primary key keeps its id taken until it is purged.
/// </remarks>
internal sealed partial class PostgreSqlSessionStorage : ISessionTrash
{
    private string Rows => PostgreSqlSchema.Quote(_schemaName) + ".session_rows";

    /// <inheritdoc/>
    public ValueTask<bool> TrashAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        return ChangeAsync(
            $"UPDATE {Rows} SET trashed_ticks = $2 WHERE id = $1 AND trashed_ticks IS NULL",
            sessionId,
            _time.GetUtcNow().UtcTicks,
            "trash",
            cancellationToken);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<TrashedSession> ListTrashAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var result = await RunAsync("list the trash", null, async connection =>
        {
            var trashed = new List<TrashedSession>();
            using var command = new NpgsqlCommand(
                $"SELECT {SessionColumns}, trashed_ticks FROM {Rows} WHERE trashed_ticks IS NOT NULL ORDER BY trashed_ticks DESC, id COLLATE \"C\" ASC",
                connection);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                trashed.Add(new TrashedSession { Session = ReadSession(reader), TrashedAt = new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero) });
            }

            return trashed;
        }, cancellationToken).ConfigureAwait(false);

        foreach (var t in result)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return t;
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> RestoreAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        return ChangeAsync($"UPDATE {Rows} SET trashed_ticks = NULL WHERE id = $1 AND trashed_ticks IS NOT NULL", sessionId, null, "restore", cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<bool> PurgeAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        return DeleteSessionAsync("purge", sessionId, $"DELETE FROM {Rows} WHERE id = $1 AND trashed_ticks IS NOT NULL", cancellationToken);
    }

    private ValueTask<bool> ChangeAsync(string sql, string sessionId, long? ticks, string action, CancellationToken cancellationToken) =>
        ExecuteAsync(action, sessionId, sql, ticks is null ? [Text(sessionId)] : [Text(sessionId), BigInt(ticks)], cancellationToken);
}
