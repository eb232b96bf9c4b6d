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
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<TrashedSession>();
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            using var command = new NpgsqlCommand(
                $"SELECT {SessionColumns}, trashed_ticks FROM {Rows} WHERE trashed_ticks IS NOT NULL ORDER BY trashed_ticks DESC, id COLLATE \"C\" ASC",
                connection);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Add(new TrashedSession { Session = ReadSession(reader), TrashedAt = new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero) });
            }
        }
        catch (NpgsqlException ex)
        {
            throw Translate(ex, "list the trash", null, cancellationToken);
        }

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
        return ChangeAsync($"DELETE FROM {Rows} WHERE id = $1 AND trashed_ticks IS NOT NULL", sessionId, null, "purge", cancellationToken);
    }

    private async ValueTask<bool> ChangeAsync(string sql, string sessionId, long? ticks, string action, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.Add(Text(sessionId));
            if (ticks is not null) command.Parameters.Add(BigInt(ticks));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }
        catch (NpgsqlException ex)
        {
            throw Translate(ex, action, sessionId, cancellationToken);
        }
    }
}
