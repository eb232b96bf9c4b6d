using System.Globalization;
using System.Runtime.CompilerServices;

namespace Sessions.Sdk;

/// <summary>Recovery: finding damaged rows and salvaging their sessions (<see cref="ISessionRecovery"/>).</summary>
/// <remarks>
/// A damaged session row (a value that does not read back) is left out of listings and named by <see cref="GetAsync"/>; a damaged
/// message row is named (session and sequence) when read, while every other message stays readable. Salvage repairs the
/// session row's values that do not read (title, kind, tags, metadata, usage, times) to neutral ones and keeps every readable
/// message, renumbered from 1; the damaged message rows are dropped (they cannot be read by anything).
/// </remarks>
internal sealed partial class SqliteSessionStorage : ISessionRecovery
{
    /// <inheritdoc/>
    public async IAsyncEnumerable<DamagedSession> ListDamagedAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var found = await RunAsync(write: false, null, "check", lease =>
        {
            var result = new List<DamagedSession>();
            var sessions = lease.Command($"SELECT {SessionColumns} FROM sessions ORDER BY id");
            var ids = new List<(long Pk, string Id, string? RowDamage)>();
            using (var reader = sessions.ExecuteReader())
            {
                while (reader.Read())
                {
                    string id = reader.IsDBNull(1) ? "?" : Convert.ToString(reader.GetValue(1), CultureInfo.InvariantCulture) ?? "?";
                    string? damage = null;
                    try
                    {
                        ReadSession(reader);
                    }
                    catch (SessionFormatException ex)
                    {
                        damage = ex.Message;
                    }

                    ids.Add((reader.GetInt64(0), id, damage));
                }
            }

            var read = lease.Command("SELECT seq, payload, checksum FROM session_messages WHERE session_pk = $pk ORDER BY seq");
            foreach (var (pk, id, rowDamage) in ids)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var records = ReadableMessages(read, pk, id, out _);
                if (rowDamage is null && records.Count == 0) continue;
                var reasons = new List<string>();
                if (rowDamage is not null) reasons.Add(rowDamage);
                if (records.Count > 0) reasons.Add($"{records.Count} damaged message row(s), first at sequence {records[0].Sequence}");
                result.Add(new DamagedSession { SessionId = id, RecoveryId = id, Location = $"{_dataSource}: sessions.pk = {pk}", Reason = string.Join("; ", reasons), Records = records });
            }

            return result;
        }, cancellationToken, fold: true).ConfigureAwait(false);
        foreach (var damaged in found) yield return damaged;
    }

    /// <inheritdoc/>
    public async ValueTask<SalvageResult> SalvageAsync(string recoveryId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(recoveryId, nameof(recoveryId));
        long now = _timeProvider.GetUtcNow().UtcTicks;
        for (int attempt = 0; ; attempt++)
        {
            var (version, readable, dropped) = await RunAsync(write: true, recoveryId, "salvage", lease =>
            {
                // Values that do not read back are set to neutral ones; the others are kept as they are.
                var repair = lease.Command(
                    "UPDATE sessions SET " +
                    "title = CASE WHEN typeof(title) = 'text' THEN title ELSE '' END, " +
                    "kind = CASE WHEN typeof(kind) = 'text' AND kind <> '' THEN kind ELSE 'chat' END, " +
                    "tags = CASE WHEN json_valid(tags) AND json_type(tags) = 'array' THEN tags ELSE '[]' END, " +
                    "metadata = CASE WHEN json_valid(metadata) AND json_type(metadata) = 'object' THEN metadata ELSE '{}' END, " +
                    "message_count = CASE WHEN typeof(message_count) = 'integer' AND message_count >= 0 THEN message_count ELSE 0 END, " +
                    "created_at = CASE WHEN typeof(created_at) = 'integer' AND created_at BETWEEN 0 AND 3155378975999999999 THEN created_at ELSE $now END, " +
                    "updated_at = CASE WHEN typeof(updated_at) = 'integer' AND updated_at BETWEEN 0 AND 3155378975999999999 THEN updated_at ELSE $now END, " +
                    "size_bytes = CASE WHEN typeof(size_bytes) = 'integer' THEN size_bytes ELSE 0 END, " +
                    "usage_input = CASE WHEN typeof(usage_input) = 'integer' THEN usage_input ELSE 0 END, " +
                    "usage_output = CASE WHEN typeof(usage_output) = 'integer' THEN usage_output ELSE 0 END, " +
                    "usage_total = CASE WHEN typeof(usage_total) = 'integer' THEN usage_total ELSE 0 END, " +
                    "usage_requests = CASE WHEN typeof(usage_requests) = 'integer' AND usage_requests BETWEEN 0 AND 2147483647 THEN usage_requests ELSE 0 END, " +
                    "usage_unpriced = CASE WHEN typeof(usage_unpriced) = 'integer' AND usage_unpriced BETWEEN 0 AND 2147483647 THEN usage_unpriced ELSE 0 END, " +
                    "usage_cost = CASE WHEN typeof(usage_cost) = 'text' AND (usage_cost GLOB '[0-9]*' OR usage_cost GLOB '-[0-9]*') AND NOT usage_cost GLOB '*[^0-9.-]*' THEN usage_cost ELSE '0' END, " +
                    "version = CASE WHEN typeof(version) = 'integer' AND version >= 1 THEN version ELSE 1 END, " +
                    "edit_version = CASE WHEN typeof(edit_version) = 'integer' THEN edit_version ELSE 0 END " +
                    "WHERE id = $id RETURNING pk, version");
                SqliteLease.Set(repair, "$now", now);
                SqliteLease.Set(repair, "$id", recoveryId);
                long pk, current;
                using (var reader = repair.ExecuteReader())
                {
                    if (!reader.Read()) throw new SessionNotFoundException(recoveryId);
                    pk = reader.GetInt64(0);
                    current = reader.GetInt64(1);
                }

                var read = lease.Command("SELECT seq, payload, checksum FROM session_messages WHERE session_pk = $pk ORDER BY seq");
                var damaged = ReadableMessages(read, pk, recoveryId, out var messages);
                return (current, messages, damaged);
            }, cancellationToken).ConfigureAwait(false);

            try
            {
                var stored = await ReplaceMessagesAsync(recoveryId, readable, version, cancellationToken).ConfigureAwait(false);
                return new SalvageResult { Session = stored, KeptMessages = readable.Count, DroppedRecords = dropped };
            }
            catch (SessionConcurrencyException) when (attempt < 5)
            {
                // Appended to meanwhile: read again so the salvage keeps those messages too.
            }
        }
    }

    private static List<DamagedRecord> ReadableMessages(Microsoft.Data.Sqlite.SqliteCommand read, long pk, string sessionId, out List<SessionMessage> messages)
    {
        messages = [];
        var damaged = new List<DamagedRecord>();
        SqliteLease.Set(read, "$pk", pk);
        using var reader = read.ExecuteReader();
        while (reader.Read())
        {
            long seq = reader.IsDBNull(0) ? -1 : reader.GetInt64(0);
            try
            {
                messages.Add(ReadPayload(reader, 1, sessionId, seq));
            }
            catch (SessionFormatException ex) when (ex.Sequence is not null)
            {
                damaged.Add(new DamagedRecord(seq, null, ex.InnerException?.Message ?? ex.Message));
            }
        }

        return damaged;
    }
}
