using System.Runtime.CompilerServices;
using Npgsql;

namespace Sessions.Sdk;

/// <summary>Recovery: finding damaged message rows and salvaging their sessions (<see cref="ISessionRecovery"/>).</summary>
/// <remarks>
/// A damaged message row (its checksum does not match its JSON, or the JSON does not read) is named (session and sequence)
/// when read, while every other message stays readable. Salvage keeps every readable message, renumbered from 1, copies the
/// damaged rows into <c>damaged_messages</c> and drops them from the session; it is checked against the session's version, so
/// a message appended meanwhile is read again and kept.
/// </remarks>
internal sealed partial class PostgreSqlSessionStorage : ISessionRecovery
{
    /// <inheritdoc/>
    public async IAsyncEnumerable<DamagedSession> ListDamagedAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var found = await RunAsync("check", null, async connection =>
        {
            var result = new List<DamagedSession>();
            using var command = new NpgsqlCommand(
                $"SELECT m.session_id, m.seq, m.payload, m.checksum FROM {_messages} m JOIN {_sessions} s ON s.id = m.session_id ORDER BY m.session_id COLLATE \"C\", m.seq",
                connection);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            string? current = null;
            var records = new List<DamagedRecord>();
            void Flush()
            {
                if (current is not null && records.Count > 0) result.Add(Damaged(current, records));
                records = [];
            }

            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                string id = reader.GetString(0);
                if (!string.Equals(id, current, StringComparison.Ordinal))
                {
                    Flush();
                    current = id;
                }

                if (Check(reader, 1, id) is { } damage) records.Add(damage);
            }

            Flush();
            return result;
        }, cancellationToken).ConfigureAwait(false);

        foreach (var damaged in found)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return damaged;
        }
    }

    /// <inheritdoc/>
    public async ValueTask<SalvageResult> SalvageAsync(string recoveryId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(recoveryId, nameof(recoveryId));
        for (int attempt = 0; ; attempt++)
        {
            var (version, readable, dropped) = await RunAsync("salvage", recoveryId, async connection =>
            {
                // One snapshot: the version and the rows it describes.
                var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
                await using var transactionScope = transaction.ConfigureAwait(false);
                long current;
                using (var select = new NpgsqlCommand($"SELECT version FROM {_sessions} WHERE id = $1", connection, transaction))
                {
                    select.Parameters.Add(Text(recoveryId));
                    current = await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long v ? v : throw new SessionNotFoundException(recoveryId);
                }

                var messages = new List<SessionMessage>();
                var damaged = new List<DamagedRecord>();
                using (var read = new NpgsqlCommand($"SELECT seq, payload, checksum FROM {_messages} WHERE session_id = $1 ORDER BY seq", connection, transaction))
                {
                    read.Parameters.Add(Text(recoveryId));
                    var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using var readerScope = reader.ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        if (Check(reader, 0, recoveryId) is { } damage) damaged.Add(damage);
                        else messages.Add(ReadMessage(reader, recoveryId));
                    }
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return (current, messages, damaged);
            }, cancellationToken).ConfigureAwait(false);

            if (dropped.Count > 0) await KeepDamagedAsync(recoveryId, dropped, cancellationToken).ConfigureAwait(false);
            try
            {
                var stored = await ReplaceMessagesAsync(recoveryId, readable, version, cancellationToken).ConfigureAwait(false);
                return new SalvageResult
                {
                    Session = stored,
                    KeptMessages = readable.Count,
                    DroppedRecords = dropped,
                    BackupLocation = dropped.Count > 0 ? $"{PostgreSqlSchema.Quote(_schemaName)}.damaged_messages" : null,
                };
            }
            catch (SessionConcurrencyException) when (attempt < 5)
            {
                // Appended to meanwhile: read again so the salvage keeps those messages too.
            }
        }
    }

    private DamagedSession Damaged(string sessionId, List<DamagedRecord> records) => new()
    {
        SessionId = sessionId,
        RecoveryId = sessionId,
        Location = $"{PostgreSqlSchema.Quote(_schemaName)}.messages WHERE session_id = '{sessionId}'",
        Reason = $"{records.Count} damaged message row(s), first at sequence {records[0].Sequence}",
        Records = records,
    };

    /// <summary>Checks the row at <paramref name="ordinal"/> (<c>seq, payload, checksum</c>); the damage, or <see langword="null"/> when it reads.</summary>
    private static DamagedRecord? Check(NpgsqlDataReader reader, int ordinal, string sessionId)
    {
        long seq = reader.GetInt64(ordinal);
        try
        {
            ReadMessageAt(reader, ordinal, sessionId);
            return null;
        }
        catch (SessionFormatException ex) when (ex.Sequence is not null)
        {
            return new DamagedRecord(seq, null, ex.InnerException?.Message ?? ex.Message);
        }
    }

    /// <summary>Copies the damaged rows aside (they are about to be dropped from the session) with why they were dropped.</summary>
    private ValueTask<bool> KeepDamagedAsync(string sessionId, List<DamagedRecord> records, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "keep the damaged rows of",
            sessionId,
            $"""
            INSERT INTO {PostgreSqlSchema.Quote(_schemaName)}.damaged_messages (session_id, seq, payload, checksum, reason, salvaged_ticks)
            SELECT m.session_id, m.seq, m.payload, m.checksum, d.reason, $4
            FROM {_messages} m JOIN unnest($2::bigint[], $3::text[]) AS d(seq, reason) ON d.seq = m.seq
            WHERE m.session_id = $1
            """,
            [
                Text(sessionId),
                new NpgsqlParameter<long[]> { TypedValue = [.. records.Select(r => r.Sequence ?? -1)] },
                new NpgsqlParameter<string[]> { TypedValue = [.. records.Select(r => r.Reason)] },
                BigInt(_time.GetUtcNow().UtcTicks),
            ],
            cancellationToken);
}
