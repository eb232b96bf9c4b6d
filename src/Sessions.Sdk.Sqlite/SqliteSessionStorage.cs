using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace Sessions.Sdk;

/// <summary>Stores sessions in one SQLite database (WAL): a row per session, a row per message, FTS5 indexes for search.</summary>
/// <remarks>
/// Thread- and process-safe. Every write is one <c>BEGIN IMMEDIATE</c> transaction, so concurrent appenders serialize on
/// SQLite's write lock and each reads the next sequence from the session row it is about to update; busy databases are
/// retried. Reads run in a deferred transaction so they see one snapshot.
/// </remarks>
internal sealed partial class SqliteSessionStorage : ISessionStorage, ISessionSearch, IDisposable, IAsyncDisposable
{
    private const string StaleAppend = "sessions: stale append";
    private const int MaxSequenceHints = 4096;

    private const string SessionColumns =
        "pk, id, title, kind, tags, metadata, system_prompt, provider, model, parent_id, branched_at, message_count, " +
        "created_at, updated_at, size_bytes, usage_input, usage_output, usage_total, usage_cost, usage_requests, version, usage_unpriced";

    private readonly SqliteConnectionPool _pool;
    private readonly SqliteStorageOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string _dataSource;
    private readonly bool _inMemory;
    private readonly Lock _initLock = new();
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    /// <summary>The next sequence (and row key) of sessions this instance appended to: hints for the one-statement append, read
    /// and written only by writers holding <see cref="_writeGate"/>; the statement itself checks them, so a stale hint costs a retry.</summary>
    private readonly Dictionary<string, (long Pk, long Sequence)> _nextSequences = new(StringComparer.Ordinal);
    private readonly bool _durable;
    private volatile bool _initialized;

    public SqliteSessionStorage(SqliteStorageOptions options, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _options = options;
        _durable = options.Synchronous == SqliteSynchronousMode.Full;
        BackgroundIndexBatch = _durable ? 128 : 32;
        _timeProvider = timeProvider;
        _logger = logger;
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString);
        if (builder.Mode == SqliteOpenMode.ReadWrite) builder.Mode = SqliteOpenMode.ReadWriteCreate;
        _inMemory = builder.Mode == SqliteOpenMode.Memory || string.Equals(builder.DataSource, ":memory:", StringComparison.Ordinal);
        _dataSource = builder.DataSource;
        _pool = new SqliteConnectionPool(builder.ConnectionString, options);
    }

    /// <summary>Gets the schema version the database is migrated to by this store (for tests and diagnostics).</summary>
    internal int TargetSchemaVersion { get; init; } = SqliteSchema.LatestVersion;

    /// <inheritdoc/>
    public ValueTask<SessionInfo> CreateAsync(SessionInfo session, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(messages);
        SessionIds.Validate(session.Id, nameof(session));
        StoreRules.ValidateInfo(session, nameof(session));
        ValidateMessages(messages);
        var tags = DistinctTags(session.Tags);
        string tagsJson = SqliteJson.WriteTags(tags);
        string metadataJson = SqliteJson.WriteMetadata(session.Metadata);
        var usage = SessionUsage.Empty;
        foreach (var m in messages) usage = usage.Add(m.Usage);
        return RunAsync(write: true, session.Id, "create", lease =>
        {
            var insert = lease.Command(
                "INSERT INTO sessions (id, title, kind, tags, metadata, system_prompt, provider, model, parent_id, branched_at, message_count, " +
                "created_at, updated_at, size_bytes, usage_input, usage_output, usage_total, usage_cost, usage_requests, version, edit_version, usage_unpriced) " +
                "VALUES ($id, $title, $kind, $tags, $metadata, $system_prompt, $provider, $model, $parent_id, $branched_at, $count, " +
                "$created_at, $updated_at, 0, $ui, $uo, $ut, $uc, $ur, 1, 1, $uu) ON CONFLICT DO NOTHING RETURNING pk"); // nor a trashed one's id (the trash migration's index)
            SqliteLease.Set(insert, "$id", session.Id);
            SqliteLease.Set(insert, "$title", session.Title ?? string.Empty);
            SqliteLease.Set(insert, "$kind", session.Kind.Value);
            SqliteLease.Set(insert, "$tags", tagsJson);
            SqliteLease.Set(insert, "$metadata", metadataJson);
            SqliteLease.Set(insert, "$system_prompt", session.SystemPrompt);
            SqliteLease.Set(insert, "$provider", session.ProviderName);
            SqliteLease.Set(insert, "$model", session.ModelId);
            SqliteLease.Set(insert, "$parent_id", session.ParentSessionId);
            SqliteLease.Set(insert, "$branched_at", session.BranchedAtSequence);
            SqliteLease.Set(insert, "$count", (long)messages.Count);
            SqliteLease.Set(insert, "$created_at", session.CreatedAt.UtcTicks);
            SqliteLease.Set(insert, "$updated_at", session.UpdatedAt.UtcTicks);
            SetUsage(insert, usage);
            object? pk = insert.ExecuteScalar();
            if (pk is null or DBNull) throw new SessionAlreadyExistsException(session.Id);
            long size = InsertMessages(lease, (long)pk, messages, firstSequence: 1);
            NoteNextSequence(session.Id, (long)pk, messages.Count + 1L);
            if (messages.Count > 0) IndexPending(lease, long.MaxValue); // a bulk write: one segment for its rows and whatever was pending
            var select = lease.Command($"UPDATE sessions SET size_bytes = $size WHERE pk = $pk RETURNING {SessionColumns}");
            SqliteLease.Set(select, "$size", size);
            SqliteLease.Set(select, "$pk", (long)pk);
            return ReadSingleSession(select)!;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<SessionInfo?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId, nameof(sessionId));
        return RunAsync(write: false, sessionId, "get", lease =>
        {
            var select = lease.Command($"SELECT {SessionColumns} FROM sessions WHERE id = $id");
            SqliteLease.Set(select, "$id", sessionId);
            return ReadSingleSession(select);
        }, cancellationToken, transaction: false, fold: true); // one statement reads one snapshot
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<SessionMessage>> AppendMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId, nameof(sessionId));
        ArgumentNullException.ThrowIfNull(messages);
        ValidateMessages(messages);
        if (messages.Count == 0)
        {
            return RunAsync<IReadOnlyList<SessionMessage>>(write: false, sessionId, "append", lease =>
            {
                var exists = lease.Command("SELECT 1 FROM sessions WHERE id = $id");
                SqliteLease.Set(exists, "$id", sessionId);
                return exists.ExecuteScalar() is null ? throw new SessionNotFoundException(sessionId) : [];
            }, cancellationToken);
        }

        // Serialize before taking the write lock; only the sequence digits are patched in once the sequence is known.
        var added = SessionUsage.Empty;
        var templates = new PayloadTemplate[messages.Count];
        long size = 0;
        for (int i = 0; i < messages.Count; i++)
        {
            added = added.Add(messages[i].Usage);
            templates[i] = PayloadTemplate.Create(messages[i]);
            size += templates[i].Template.Length;
        }

        bool hasUsage = added != SessionUsage.Empty;
        long now = _timeProvider.GetUtcNow().UtcTicks;
        if (messages.Count == 1 && added.Cost == 0m)
        {
            // The common case, one message: one autocommit statement when this instance knows the session's next sequence, run
            // right here when nothing else of this instance is writing (no state machine, no delegate); otherwise through RunAsync.
            if (!cancellationToken.IsCancellationRequested && TryAppendOneNow(sessionId, messages[0], templates[0], now, size, added) is { } appendedNow)
            {
                NoteAppended(1);
                return new([appendedNow]);
            }

            var one = RunAsync<IReadOnlyList<SessionMessage>>(write: true, sessionId, "append", lease =>
            {
                if (TryAppendOne(lease, sessionId, messages[0], templates[0], now, size, added) is { } message) return [message];
                lease.Execute("BEGIN IMMEDIATE");
                if (LazyAggregates) FoldPending(lease); // the session row is read as the sequence counter: it must count every message
                var stored = AppendLocked(lease, sessionId, messages, templates, now, size, added, hasUsage);
                if (LazyAggregates) FoldPending(lease); // moves the watermark past this append's own rows (already counted)
                lease.Execute("COMMIT");
                return stored;
            }, cancellationToken, transaction: false);
            return AppendedAsync(one, 1);
        }

        var appended = RunAsync<IReadOnlyList<SessionMessage>>(write: true, sessionId, "append", lease =>
            AppendLocked(lease, sessionId, messages, templates, now, size, added, hasUsage), cancellationToken);
        return AppendedAsync(appended, messages.Count);
    }

    /// <summary>Appends inside a write transaction: reads the next sequence from the session row it advances (the slow path, and any
    /// append of several messages or of priced usage).</summary>
    private SessionMessage[] AppendLocked(
        SqliteLease lease, string sessionId, IReadOnlyList<SessionMessage> messages, PayloadTemplate[] templates, long now, long size, SessionUsage added, bool hasUsage)
    {
        // The session row is the sequence counter: the write lock serializes appenders, so each reads its own range.
        // Every appended message advances the version, so a replacement based on an older read cannot drop it.
        var claim = lease.Command(
            "UPDATE sessions SET message_count = message_count + $n, updated_at = max(updated_at, $now), size_bytes = size_bytes + $size, version = version + $n " +
            "WHERE id = $id RETURNING pk, message_count, usage_input, usage_output, usage_total, usage_cost, usage_requests, usage_unpriced");
        SqliteLease.Set(claim, "$n", (long)messages.Count);
        SqliteLease.Set(claim, "$now", now);
        SqliteLease.Set(claim, "$size", size);
        SqliteLease.Set(claim, "$id", sessionId);
        long pk, first;
        SessionUsage usage;
        using (var reader = claim.ExecuteReader())
        {
            if (!reader.Read()) throw new SessionNotFoundException(sessionId);
            pk = reader.GetInt64(0);
            first = reader.GetInt64(1) - messages.Count + 1;
            usage = hasUsage ? ReadUsage(reader, 2, 7) : SessionUsage.Empty;
        }

        var insert = lease.Command(InsertMessageSql);
        var stored = new SessionMessage[messages.Count];
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i] with { Sequence = first + i };
            InsertMessage(insert, pk, message, templates[i].For(message));
            stored[i] = message;
        }

        if (hasUsage)
        {
            var update = lease.Command(
                "UPDATE sessions SET usage_input = $ui, usage_output = $uo, usage_total = $ut, usage_cost = $uc, usage_requests = $ur, usage_unpriced = $uu WHERE pk = $pk");
            SetUsage(update, usage.Add(added));
            SqliteLease.Set(update, "$pk", pk);
            update.ExecuteNonQuery();
        }

        NoteNextSequence(sessionId, pk, first + messages.Count);
        return stored;
    }

    /// <summary>Appends one message with one autocommit statement (<c>INSERT INTO session_appends</c>, schema version 7) when this
    /// instance knows the session's next sequence; the statement's trigger checks that expectation under the write lock. From schema
    /// version 9 the trigger writes the message row alone (the session row's aggregates are folded in later, see
    /// <see cref="FoldPending"/>); at versions 7 and 8 it also advances the session row.</summary>
    /// <returns>The stored message, or <see langword="null"/> when the sequence is unknown or stale (nothing was written).</returns>
    private SessionMessage? TryAppendOne(SqliteLease lease, string sessionId, SessionMessage message, PayloadTemplate template, long now, long size, SessionUsage added)
    {
        if (!_nextSequences.TryGetValue(sessionId, out var next) || TargetSchemaVersion < 7) return null;
        var stored = message with { Sequence = next.Sequence };
        byte[] payload = template.For(stored);
        // Bound by position on a cached native statement (the hot path: Microsoft.Data.Sqlite would look each of its parameters up by
        // name, box its value and build a data reader on every execution); a message without token usage (the common append) binds
        // ten values, its five zero counters being literals of a statement of their own.
        bool plain = added == SessionUsage.Empty;
        var statement = lease.Statement(plain
            ? "INSERT INTO session_appends VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, 0, 0, 0, 0)"
            : "INSERT INTO session_appends VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
        raw.sqlite3_bind_text(statement, 1, sessionId);
        raw.sqlite3_bind_int64(statement, 2, next.Pk);
        raw.sqlite3_bind_int64(statement, 3, next.Sequence);
        raw.sqlite3_bind_text(statement, 4, message.Message.Role.Value);
        raw.sqlite3_bind_int64(statement, 5, message.Timestamp.UtcTicks);
        raw.sqlite3_bind_text(statement, 6, message.Message.Text ?? string.Empty);
        raw.sqlite3_bind_blob(statement, 7, payload);
        raw.sqlite3_bind_int64(statement, 8, RecordChecksum.Crc32C(payload));
        raw.sqlite3_bind_int64(statement, 9, now);
        raw.sqlite3_bind_int64(statement, 10, size);
        if (!plain)
        {
            raw.sqlite3_bind_int64(statement, 11, added.InputTokens);
            raw.sqlite3_bind_int64(statement, 12, added.OutputTokens);
            raw.sqlite3_bind_int64(statement, 13, added.TotalTokens);
            raw.sqlite3_bind_int64(statement, 14, added.Requests);
            raw.sqlite3_bind_int64(statement, 15, added.UnpricedRequests);
        }

        try
        {
            lease.Run(statement);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19 && ex.Message.Contains(StaleAppend, StringComparison.Ordinal))
        {
            _nextSequences.Remove(sessionId); // another writer appended, or the session was replaced, deleted or trashed
            return null;
        }

        _nextSequences[sessionId] = (next.Pk, next.Sequence + 1);
        return stored;
    }

    /// <summary>The one-statement append (schema 9) without the <see cref="RunAsync"/> machinery, when the instance is open, knows
    /// the session's next sequence and takes its write gate without waiting.</summary>
    /// <returns>The stored message, or <see langword="null"/> when the caller must take the full path (the gate is busy, the sequence
    /// is unknown or stale, or SQLite reported an error: the autocommit statement then wrote nothing, and the full path retries it
    /// with its busy handling and error translation).</returns>
    private SessionMessage? TryAppendOneNow(string sessionId, SessionMessage message, PayloadTemplate template, long now, long size, SessionUsage added)
    {
        if (!_initialized || !LazyAggregates || !_writeGate.Wait(0)) return null;
        SqliteLease? lease = null;
        bool broken = false;
        try
        {
            if (!_nextSequences.ContainsKey(sessionId)) return null;
            lease = _pool.Rent();
            if (_durable) lease.Relax(false);
            var stored = TryAppendOne(lease, sessionId, message, template, now, size, added);
            if (stored is not null) NoteWritten();
            return stored;
        }
        catch (SqliteException)
        {
            broken = true; // a fresh connection for the retry
            return null;
        }
        finally
        {
            if (lease is not null) _pool.Return(lease, broken);
            _writeGate.Release();
        }
    }

    /// <summary>Remembers a session's next sequence (a hint checked by the one-statement append); called under the write gate.</summary>
    private void NoteNextSequence(string sessionId, long pk, long nextSequence)
    {
        if (_nextSequences.Count >= MaxSequenceHints && !_nextSequences.ContainsKey(sessionId)) _nextSequences.Clear();
        _nextSequences[sessionId] = (pk, nextSequence);
    }

    /// <summary>Completes an append and counts its messages towards the next background indexing pass (never indexed by the append).</summary>
    private async ValueTask<IReadOnlyList<SessionMessage>> AppendedAsync(ValueTask<IReadOnlyList<SessionMessage>> append, int count)
    {
        var stored = await append.ConfigureAwait(false);
        NoteAppended(count);
        return stored;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<SessionMessage>> GetMessagesAsync(string sessionId, MessageRange range, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId, nameof(sessionId));
        return RunAsync<IReadOnlyList<SessionMessage>>(write: false, sessionId, "read messages", lease =>
        {
            // The count is the highest sequence (an index seek), so reading messages never waits for the session row's fold.
            var select = lease.Command(
                "SELECT pk, max(message_count, coalesce((SELECT max(seq) FROM session_messages WHERE session_pk = sessions.pk), 0)) FROM sessions WHERE id = $id");
            SqliteLease.Set(select, "$id", sessionId);
            long pk, count;
            using (var reader = select.ExecuteReader())
            {
                if (!reader.Read()) throw new SessionNotFoundException(sessionId);
                pk = reader.GetInt64(0);
                count = reader.GetInt64(1);
            }

            var (start, length) = range.Resolve(count);
            if (length <= 0) return [];
            var read = lease.Command("SELECT seq, payload, checksum FROM session_messages WHERE session_pk = $pk AND seq > $from AND seq <= $to ORDER BY seq");
            SqliteLease.Set(read, "$pk", pk);
            SqliteLease.Set(read, "$from", start);
            SqliteLease.Set(read, "$to", start + length);
            var result = new List<SessionMessage>((int)Math.Min(length, 4096));
            using (var reader = read.ExecuteReader())
            {
                while (reader.Read())
                {
                    long seq = reader.GetInt64(0);
                    var message = ReadPayload(reader, 1, sessionId, seq);
                    result.Add(message.Sequence == seq ? message : message with { Sequence = seq });
                }
            }

            return result;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<SessionInfo> UpdateAsync(SessionInfo session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        SessionIds.Validate(session.Id, nameof(session));
        StoreRules.ValidateInfo(session, nameof(session));
        string tagsJson = SqliteJson.WriteTags(DistinctTags(session.Tags));
        string metadataJson = SqliteJson.WriteMetadata(session.Metadata);
        long now = _timeProvider.GetUtcNow().UtcTicks;
        return RunAsync(write: true, session.Id, "update", lease =>
        {
            var update = lease.Command(
                "UPDATE sessions SET title = $title, kind = $kind, tags = $tags, metadata = $metadata, system_prompt = $system_prompt, " +
                "provider = $provider, model = $model, updated_at = max(updated_at, $now), version = version + 1, edit_version = version + 1 " +
                $"WHERE id = $id AND $expected >= edit_version AND $expected <= version RETURNING {SessionColumns}");
            SqliteLease.Set(update, "$title", session.Title ?? string.Empty);
            SqliteLease.Set(update, "$kind", session.Kind.Value);
            SqliteLease.Set(update, "$tags", tagsJson);
            SqliteLease.Set(update, "$metadata", metadataJson);
            SqliteLease.Set(update, "$system_prompt", session.SystemPrompt);
            SqliteLease.Set(update, "$provider", session.ProviderName);
            SqliteLease.Set(update, "$model", session.ModelId);
            SqliteLease.Set(update, "$now", now);
            SqliteLease.Set(update, "$id", session.Id);
            SqliteLease.Set(update, "$expected", session.Version);
            return ReadSingleSession(update) ?? throw MissingOrStale(lease, session.Id, session.Version);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<SessionInfo> ReplaceMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, long expectedVersion, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId, nameof(sessionId));
        ArgumentNullException.ThrowIfNull(messages);
        ValidateMessages(messages);
        long now = _timeProvider.GetUtcNow().UtcTicks;
        return RunAsync(write: true, sessionId, "replace messages", lease =>
        {
            var select = lease.Command("SELECT pk, version FROM sessions WHERE id = $id");
            SqliteLease.Set(select, "$id", sessionId);
            long pk, version;
            using (var reader = select.ExecuteReader())
            {
                if (!reader.Read()) throw new SessionNotFoundException(sessionId);
                pk = reader.GetInt64(0);
                version = reader.GetInt64(1);
            }

            if (version != expectedVersion) throw new SessionConcurrencyException(sessionId, expectedVersion, version);
            var delete = lease.Command("DELETE FROM session_messages WHERE session_pk = $pk");
            SqliteLease.Set(delete, "$pk", pk);
            delete.ExecuteNonQuery();
            long size = InsertMessages(lease, pk, messages, firstSequence: 1);
            NoteNextSequence(sessionId, pk, messages.Count + 1L);
            if (messages.Count > 0) IndexPending(lease, long.MaxValue); // a bulk write: one segment for its rows and whatever was pending
            var update = lease.Command(
                "UPDATE sessions SET message_count = $count, size_bytes = $size, updated_at = max(updated_at, $now), version = version + 1, edit_version = version + 1 " +
                $"WHERE pk = $pk RETURNING {SessionColumns}");
            SqliteLease.Set(update, "$count", (long)messages.Count);
            SqliteLease.Set(update, "$size", size);
            SqliteLease.Set(update, "$now", now);
            SqliteLease.Set(update, "$pk", pk);
            return ReadSingleSession(update)!;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId, nameof(sessionId));
        return RunAsync(write: true, sessionId, "delete", lease =>
        {
            var messages = lease.Command("DELETE FROM session_messages WHERE session_pk = (SELECT pk FROM sessions WHERE id = $id)");
            SqliteLease.Set(messages, "$id", sessionId);
            messages.ExecuteNonQuery();
            var delete = lease.Command("DELETE FROM sessions WHERE id = $id");
            SqliteLease.Set(delete, "$id", sessionId);
            return delete.ExecuteNonQuery() > 0;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<bool> ExistsAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId, nameof(sessionId));
        var found = RunAsync(write: false, sessionId, "exists", lease =>
        {
            var select = lease.Command("SELECT 1 FROM sessions WHERE id = $id");
            SqliteLease.Set(select, "$id", sessionId);
            return select.ExecuteScalar() is not null ? Found : null;
        }, cancellationToken, transaction: false);
        return found.IsCompletedSuccessfully ? new(found.Result is not null) : IsFoundAsync(found);
    }

    /// <summary>A non-null result for the reference-typed <see cref="RunAsync"/> (one compiled instantiation serves every operation of
    /// a new process: an existence check, as a first call, compiles what the listing and the reads use next).</summary>
    private static readonly string Found = "found";

    private static async ValueTask<bool> IsFoundAsync(ValueTask<string?> found) => await found.ConfigureAwait(false) is not null;

    /// <inheritdoc/>
    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new SessionListing(this, query, cancellationToken);
    }

    /// <summary>Closes the pooled connections.</summary>
    public void Dispose()
    {
        WaitForIndexing();
        _pool.Dispose();
    }

    /// <summary>Closes the pooled connections.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Opens the database and applies migrations now instead of on first use.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the schema is current.</returns>
    internal ValueTask InitializeAsync(CancellationToken cancellationToken = default) =>
        new(RunAsync(write: false, null, "open", static _ => Found, cancellationToken).AsTask());

    /// <summary>Runs a scalar statement (such as a PRAGMA) on a pooled connection, for tests and diagnostics.</summary>
    /// <param name="sql">The statement.</param>
    /// <returns>The first column of the first row.</returns>
    internal object? ConnectionSetting(string sql)
    {
        var lease = _pool.Rent();
        try
        {
            return lease.Command(sql).ExecuteScalar();
        }
        finally
        {
            _pool.Return(lease);
        }
    }

    private static void ValidateMessages(IReadOnlyList<SessionMessage> messages) => StoreRules.ValidateMessages(messages, nameof(messages));

    private static string[] DistinctTags(IReadOnlyList<string>? tags) => StoreRules.NormalizeTags(tags);

    private const string InsertMessageSql =
        "INSERT INTO session_messages (session_pk, seq, role, ts, text, payload, checksum) VALUES ($pk, $seq, $role, $ts, $text, $payload, $checksum)";

    private static long InsertMessages(SqliteLease lease, long pk, IReadOnlyList<SessionMessage> messages, long firstSequence)
    {
        if (messages.Count == 0) return 0;
        var insert = lease.Command(InsertMessageSql);
        long size = 0;
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i] with { Sequence = firstSequence + i };
            byte[] payload = SessionJson.SerializeMessage(message);
            size += payload.Length;
            InsertMessage(insert, pk, message, payload);
        }

        return size;
    }

    private static void InsertMessage(SqliteCommand insert, long pk, SessionMessage message, byte[] payload)
    {
        SqliteLease.Set(insert, "$pk", pk);
        SqliteLease.Set(insert, "$seq", message.Sequence);
        SqliteLease.Set(insert, "$role", message.Message.Role.Value);
        SqliteLease.Set(insert, "$ts", message.Timestamp.UtcTicks);
        SqliteLease.Set(insert, "$text", message.Message.Text ?? string.Empty);
        SqliteLease.Set(insert, "$payload", payload);
        SqliteLease.Set(insert, "$checksum", (long)RecordChecksum.Crc32C(payload));
        insert.ExecuteNonQuery();
    }

    /// <summary>Reads the payload at <paramref name="ordinal"/> and verifies it against the checksum at the next ordinal (NULL on rows
    /// written before schema version 5, which are read unchecked).</summary>
    private static SessionMessage ReadPayload(SqliteDataReader reader, int ordinal, string sessionId, long sequence)
    {
        try
        {
            if (reader.IsDBNull(ordinal)) throw new SessionFormatException("a message has no payload", sessionId);
            byte[] payload = reader.GetFieldValue<byte[]>(ordinal);
            if (!reader.IsDBNull(ordinal + 1))
            {
                object stored = reader.GetValue(ordinal + 1);
                uint actual = RecordChecksum.Crc32C(payload);
                if (stored is not long expected || expected != actual)
                {
                    throw new SessionFormatException(
                        string.Create(CultureInfo.InvariantCulture, $"checksum mismatch: the stored JSON has CRC-32C {actual:x8}, the row records {stored}"),
                        sessionId);
                }
            }

            return SessionJson.DeserializeMessage(payload, sessionId);
        }
        catch (Exception ex) when ((ex is SessionFormatException or InvalidCastException or FormatException) && !IsNewerVersion(ex))
        {
            throw new SessionFormatException(
                $"Session '{sessionId}': the message row with sequence {sequence} is damaged ({ex.Message}). The session's other messages stay readable; "
                + "ISessionRecovery.SalvageAsync keeps every readable message and drops the damaged row.",
                sessionId,
                sequence,
                null,
                ex);
        }
    }

    private static bool IsNewerVersion(Exception ex) => ex.Message.Contains("newer than", StringComparison.Ordinal);

    private static void SetUsage(SqliteCommand command, SessionUsage usage)
    {
        SqliteLease.Set(command, "$ui", usage.InputTokens);
        SqliteLease.Set(command, "$uo", usage.OutputTokens);
        SqliteLease.Set(command, "$ut", usage.TotalTokens);
        SqliteLease.Set(command, "$uc", usage.Cost.ToString(CultureInfo.InvariantCulture));
        SqliteLease.Set(command, "$ur", usage.Requests);
        SqliteLease.Set(command, "$uu", usage.UnpricedRequests);
    }

    private static SessionUsage ReadUsage(SqliteDataReader reader, int first, int unpricedOrdinal)
    {
        long input = reader.GetInt64(first), output = reader.GetInt64(first + 1), total = reader.GetInt64(first + 2);
        string costText = reader.GetString(first + 3);
        decimal cost = costText == "0" ? 0m : decimal.Parse(costText, NumberStyles.Float, CultureInfo.InvariantCulture); // most sessions are unpriced
        int requests = checked((int)reader.GetInt64(first + 4)); // GetInt64 alone: one accessor less to compile on a first listing
        int unpriced = checked((int)reader.GetInt64(unpricedOrdinal));
        if (input == 0 && output == 0 && total == 0 && cost == 0 && requests == 0 && unpriced == 0) return SessionUsage.Empty;
        return new SessionUsage { InputTokens = input, OutputTokens = output, TotalTokens = total, Cost = cost, Requests = requests, UnpricedRequests = unpriced };
    }

    private static SessionInfo? ReadSingleSession(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        var session = ReadSession(reader);
        while (reader.Read())
        {
            // Drain so a RETURNING statement runs to completion before the transaction commits.
        }

        return session;
    }

    private static SessionInfo ReadSession(SqliteDataReader r)
    {
        string id = r.IsDBNull(1) ? "?" : Convert.ToString(r.GetValue(1), CultureInfo.InvariantCulture) ?? "?";
        try
        {
            return ReadSessionFields(r);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or InvalidCastException or InvalidOperationException or ArgumentException)
        {
            throw new SessionFormatException($"Session '{id}': its row in the SQLite database is damaged ({ex.Message}); ISessionRecovery.SalvageAsync repairs it.", id, ex);
        }
    }

    private static SessionInfo ReadSessionFields(SqliteDataReader r)
    {
        string id = r.GetString(1);
        return new SessionInfo
        {
            Id = id,
            Title = r.GetString(2),
            Kind = new SessionKind(r.GetString(3)),
            Tags = SqliteJson.ReadTags(r.GetString(4), id),
            Metadata = SqliteJson.ReadMetadata(r.GetString(5), id),
            SystemPrompt = r.IsDBNull(6) ? null : r.GetString(6),
            ProviderName = r.IsDBNull(7) ? null : r.GetString(7),
            ModelId = r.IsDBNull(8) ? null : r.GetString(8),
            ParentSessionId = r.IsDBNull(9) ? null : r.GetString(9),
            BranchedAtSequence = r.IsDBNull(10) ? null : r.GetInt64(10),
            MessageCount = r.GetInt64(11),
            CreatedAt = FromTicks(r.GetInt64(12)),
            UpdatedAt = FromTicks(r.GetInt64(13)),
            SizeBytes = r.GetInt64(14),
            Usage = ReadUsage(r, 15, 21),
            Version = r.GetInt64(20),
        };
    }

    private static DateTimeOffset FromTicks(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    private static SessionsException MissingOrStale(SqliteLease lease, string sessionId, long expectedVersion)
    {
        var select = lease.Command("SELECT version FROM sessions WHERE id = $id");
        SqliteLease.Set(select, "$id", sessionId);
        object? version = select.ExecuteScalar();
        return version is null or DBNull
            ? new SessionNotFoundException(sessionId)
            : new SessionConcurrencyException(sessionId, expectedVersion, Convert.ToInt64(version, CultureInfo.InvariantCulture));
    }

    /// <summary>A listing: each enumeration reads its sessions with one statement at its first <c>MoveNextAsync</c>.</summary>
    /// <remarks>Written by hand rather than as an async iterator: the first listing of a new process then compiles a few small
    /// methods instead of a generated state machine.</remarks>
    private sealed class SessionListing(SqliteSessionStorage store, SessionQuery query, CancellationToken listToken) : IAsyncEnumerable<SessionInfo>
    {
        public IAsyncEnumerator<SessionInfo> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
            new Enumerator(store, query, listToken, cancellationToken);

        private sealed class Enumerator(SqliteSessionStorage store, SessionQuery query, CancellationToken listToken, CancellationToken enumeratorToken)
            : IAsyncEnumerator<SessionInfo>
        {
            private List<SessionInfo>? _sessions;
            private int _index = -1;

            public SessionInfo Current => _sessions is { } sessions && _index >= 0 && _index < sessions.Count ? sessions[_index] : null!;

            public ValueTask<bool> MoveNextAsync()
            {
                if (listToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(listToken);
                if (enumeratorToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(enumeratorToken);
                if (_sessions is null)
                {
                    if (listToken.CanBeCanceled && enumeratorToken.CanBeCanceled) return LoadLinkedAsync();
                    var load = store.RunAsync(write: false, null, "list", lease => store.ListPage(lease, query), listToken.CanBeCanceled ? listToken : enumeratorToken, transaction: false, fold: true); // one statement
                    if (!load.IsCompletedSuccessfully) return LoadAsync(load);
                    _sessions = load.Result;
                }

                return new(++_index < _sessions.Count);
            }

            public ValueTask DisposeAsync() => default;

            private async ValueTask<bool> LoadAsync(ValueTask<List<SessionInfo>> load)
            {
                _sessions = await load.ConfigureAwait(false);
                return ++_index < _sessions.Count;
            }

            private async ValueTask<bool> LoadLinkedAsync()
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(listToken, enumeratorToken);
                _sessions = await store.RunAsync(write: false, null, "list", lease => store.ListPage(lease, query), linked.Token, transaction: false, fold: true).ConfigureAwait(false);
                return ++_index < _sessions.Count;
            }
        }
    }

    private List<SessionInfo> ListPage(SqliteLease lease, SessionQuery query)
    {
        // SessionQuery.All (every live session, most recently updated first) is one constant statement without parameters: the
        // first listing of a new process compiles neither the filter builder nor the parameter binding.
        if (ReferenceEquals(query, SessionQuery.All)) return ReadSessions(lease.Command(ListAllSql));
        var (where, values) = Filters(query);
        return ListPage(lease, query, where, values);
    }

    /// <summary>The query's filters as SQL conditions on <c>sessions</c>, trashed sessions excluded (also used by statistics).</summary>
    private static (List<string> Where, List<(string Name, object? Value)> Values) Filters(SessionQuery query)
    {
        var where = new List<string> { "trashed_at IS NULL" };
        var values = new List<(string Name, object? Value)>();
        if (query.TitleContains is { Length: > 0 } title)
        {
            where.Add("sessions_icontains(title, $title)");
            values.Add(("$title", title));
        }

        if (query.Tag is { Length: > 0 } tag)
        {
            where.Add("EXISTS (SELECT 1 FROM json_each(sessions.tags) WHERE sessions_iequals(json_each.value, $tag))");
            values.Add(("$tag", tag));
        }

        if (query.Kind is { } kind)
        {
            where.Add("sessions_iequals(kind, $kind)");
            values.Add(("$kind", kind.Value));
        }

        if (query.ProviderName is { } provider)
        {
            where.Add("sessions_iequals(provider, $provider)");
            values.Add(("$provider", provider));
        }

        if (query.ModelId is { } model)
        {
            where.Add("sessions_iequals(model, $model)");
            values.Add(("$model", model));
        }

        AddRange(where, values, "created_at", "$ca", query.CreatedAfter, ">=");
        AddRange(where, values, "created_at", "$cb", query.CreatedBefore, "<");
        AddRange(where, values, "updated_at", "$ua", query.UpdatedAfter, ">=");
        AddRange(where, values, "updated_at", "$ub", query.UpdatedBefore, "<");
        if (query.MetadataKey is { } key)
        {
            where.Add(query.MetadataValue is null
                ? "EXISTS (SELECT 1 FROM json_each(sessions.metadata) WHERE json_each.key = $mk)"
                : "EXISTS (SELECT 1 FROM json_each(sessions.metadata) WHERE json_each.key = $mk AND json_each.type = 'text' AND json_each.value = $mv)");
            values.Add(("$mk", key));
            if (query.MetadataValue is { } mv) values.Add(("$mv", mv));
        }

        return (where, values);
    }

    private List<SessionInfo> ListPage(SqliteLease lease, SessionQuery query, List<string> where, List<(string Name, object? Value)> values)
    {
        string direction = query.Descending ? "DESC" : "ASC";
        string order = query.OrderBy switch
        {
            SessionSortField.CreatedAt => $"created_at {direction}",
            SessionSortField.Title => $"title COLLATE SESSIONS_NOCASE {direction}",
            SessionSortField.MessageCount => $"message_count {direction}",
            _ => $"updated_at {direction}",
        };
        long take = query.Take is { } t ? Math.Max(0, t) : -1;
        long skip = Math.Max(0, query.Skip);
        if (take == 0) return [];
        string sql = $"SELECT {SessionColumns} FROM sessions" +
            (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : string.Empty) +
            $" ORDER BY {order}, id ASC LIMIT $take OFFSET $skip";
        var select = lease.Command(sql);
        foreach (var (name, value) in values) SqliteLease.Set(select, name, value);
        SqliteLease.Set(select, "$take", take);
        SqliteLease.Set(select, "$skip", skip);
        return ReadSessions(select);
    }

    private const string ListAllSql = $"SELECT {SessionColumns} FROM sessions WHERE trashed_at IS NULL ORDER BY updated_at DESC, id ASC";

    private List<SessionInfo> ReadSessions(SqliteCommand select)
    {
        var result = new List<SessionInfo>();
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            // One damaged row must not break listing for all: it is skipped and reported (GetAsync names it; ISessionRecovery repairs it).
            try
            {
                result.Add(ReadSession(reader));
            }
            catch (SessionFormatException ex)
            {
                SqliteStorageLog.SkippedDamaged(_logger, ex.SessionId ?? "?", ex.Message);
            }
        }

        return result;
    }

    private static void AddRange(List<string> where, List<(string, object?)> values, string column, string name, DateTimeOffset? bound, string op)
    {
        if (bound is not { } b) return;
        where.Add($"{column} {op} {name}");
        values.Add((name, b.UtcTicks));
    }

    /// <summary>Runs <paramref name="work"/> on a pooled connection, in a transaction unless told otherwise, retrying busy databases.</summary>
    /// <remarks>A <paramref name="derived"/> write (the search index and its watermark, which any search can rebuild from the message
    /// rows) commits with <c>synchronous = NORMAL</c> even in durable mode: it never waits for its own fsync, and the next durable
    /// commit's fsync of the write-ahead log covers its pages too, as they come earlier in the log. A crash can only lose such a commit
    /// whole (its rows are then pending again), never a message.
    /// <para>From schema version 9 every write transaction that is not <paramref name="derived"/> folds pending appends into their
    /// session rows first (it may read them) and last (moving the watermark past its own rows), and a read that asks to
    /// <paramref name="fold"/> (it reads session rows) first folds what is pending, in a derived write of its own, when there is
    /// any.</para></remarks>
    private async ValueTask<T> RunAsync<T>(
        bool write, string? sessionId, string operation, Func<SqliteLease, T> work, CancellationToken cancellationToken, bool transaction = true, bool derived = false, bool fold = false)
    {
        bool foldFirst = fold && !write;
        for (int attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int delayMs;
            SqliteLease? lease = null;
            bool broken = false;
            bool gated = false;
            try
            {
                // Writers of this instance queue here instead of sleeping in SQLite's busy handler; other processes still meet
                // SQLite's write lock.
                if (write)
                {
                    await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                    gated = true;
                }

                lease = _initialized ? _pool.Rent() : Initialize();
                bool lazy = LazyAggregates;
                if (foldFirst && lazy)
                {
                    foldFirst = false;
                    if (HasUnfolded(lease))
                    {
                        _pool.Return(lease);
                        lease = null;
                        await FoldAsync(cancellationToken).ConfigureAwait(false);
                        lease = _pool.Rent();
                    }
                }

                if (_durable && write) lease.Relax(derived); // reads commit nothing: they leave the mode as they find it
                if (transaction) lease.Execute(write ? "BEGIN IMMEDIATE" : "BEGIN");
                bool folds = lazy && write && transaction && !derived;
                try
                {
                    if (folds) FoldPending(lease);
                    var result = work(lease); // without a transaction, the work runs autocommit statements or opens its own
                    if (folds) FoldPending(lease);
                    if (transaction) lease.Execute("COMMIT");
                    if (write) NoteWritten();
                    return result;
                }
                catch
                {
                    broken = !SqliteSchema.TryRollback(lease.Connection);
                    throw;
                }
            }
            catch (SqliteException ex) when (IsBusy(ex) && attempt <= _options.MaxBusyRetries)
            {
                delayMs = Math.Min(200, (1 << Math.Min(attempt, 6)) + Random.Shared.Next(0, 10));
                SqliteStorageLog.BusyRetry(_logger, _dataSource, operation, attempt, delayMs);
            }
            catch (SqliteException ex)
            {
                SqliteStorageLog.OperationFailed(_logger, ex, operation, _dataSource);
                if (ex.SqliteErrorCode == 13) ReleaseWalSpace(); // SQLITE_FULL
                throw new SessionStorageException(
                    sessionId is null
                        ? $"SQLite {operation} failed on '{_dataSource}': {ex.Message}"
                        : $"SQLite {operation} of session '{sessionId}' failed on '{_dataSource}': {ex.Message}",
                    ex);
            }
            catch (IOException ex)
            {
                throw new SessionStorageException($"SQLite {operation} failed on '{_dataSource}': {ex.Message}", ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new SessionStorageException($"SQLite {operation} failed on '{_dataSource}': {ex.Message}", ex);
            }
            finally
            {
                if (lease is not null) _pool.Return(lease, broken);
                if (gated) _writeGate.Release();
            }

            await Task.Delay(delayMs, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>On a full disk, checkpoints the write-ahead log and truncates it, so the space it holds is given back: otherwise the
    /// log keeps the size it grew to, and space the user frees is used up again by the next few transactions.</summary>
    private void ReleaseWalSpace()
    {
        if (_inMemory) return;
        try
        {
            ConnectionSetting("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        catch (SqliteException)
        {
            // Best effort: a reader may hold the log; the next failure tries again.
        }
    }

    private static bool IsBusy(SqliteException ex) => ex.SqliteErrorCode is 5 or 6; // SQLITE_BUSY, SQLITE_LOCKED

    private SqliteLease Initialize()
    {
        lock (_initLock)
        {
            if (!_inMemory)
            {
                string? directory = Path.GetDirectoryName(Path.GetFullPath(_dataSource));
                if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            }

            var lease = _pool.Rent();
            try
            {
                if (_initialized) return lease;
                string journal = Convert.ToString(lease.Command("PRAGMA journal_mode = WAL").ExecuteScalar(), CultureInfo.InvariantCulture) ?? "?";
                SqliteStorageLog.Opened(_logger, _dataSource, journal);
                foreach (int version in SqliteSchema.Migrate(lease.Connection, _timeProvider.GetUtcNow(), TargetSchemaVersion))
                {
                    SqliteStorageLog.Migrated(_logger, _dataSource, version, SqliteSchema.Migrations[version - 1].Name);
                }

                _initialized = true;
                return lease;
            }
            catch
            {
                _pool.Return(lease, broken: true);
                throw;
            }
        }
    }
}
