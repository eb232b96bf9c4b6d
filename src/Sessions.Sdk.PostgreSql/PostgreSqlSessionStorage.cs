using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Sessions.Sdk;

/// <summary>Stores sessions in PostgreSQL so that many application instances can share them safely.</summary>
/// <remarks>
/// <para>
/// Thread-safe; holds no in-process locks that other instances would not see. An append is one prepared statement, one round
/// trip: the session row's <c>UPDATE … RETURNING</c> assigns the sequences (the row lock is the only point appenders on any
/// machine serialize on) and feeds the <c>INSERT</c> of the message rows. Metadata updates and message replacement compare the
/// version in SQL. Every operation runs through <see cref="RunAsync{T}"/> (schema check, pooled connection, error translation).
/// </para>
/// <para>
/// A message row keeps the message JSON as serialized before the append (its sequence is the <c>seq</c> column, so nothing is
/// spliced in SQL) and the CRC-32C of that JSON (<see cref="RecordChecksum"/>), verified on every read: a damaged row is a
/// <see cref="SessionFormatException"/> naming session and sequence, never altered data. Rows written before checksums (schema
/// version 4 and older) have none and are read as they are.
/// </para>
/// <para>
/// Start-up: the first operation of a new instance runs one query (the schema version); migrations run only when it differs,
/// under a transaction-scoped advisory lock.
/// </para>
/// </remarks>
internal sealed partial class PostgreSqlSessionStorage : ISessionStorage, ISessionSearch, IAsyncDisposable, IDisposable
{
    /// <summary>A session row as one JSON array in one text column (parsed by <see cref="ParseSession"/>).</summary>
    /// <remarks>
    /// Npgsql reads text with code every query already ran; reading the columns one by one would first compile its converters
    /// for arrays, numerics and the rest, which cost a new process about 35 ms before its first listing returned.
    /// </remarks>
    private const string SessionColumns =
        "json_build_array(id, title, kind, tags, metadata, system_prompt, provider_name, model_id, parent_session_id, branched_at_sequence, " +
        "message_count, created_ticks, updated_ticks, size_bytes, input_tokens, output_tokens, total_tokens, cost, requests, version, unpriced_requests)::text";

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxIndexedTextLength;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private readonly string _schemaName;
    private readonly string _sessions;
    private readonly string _messages;
    private readonly string _migrations;
    private readonly string _createSql;
    private readonly string _appendSql;
    private readonly string _appendOneSql;
    private readonly string _appendOneWithoutUsageSql;
    private readonly string _insertMessagesSql;
    private readonly string _getMessagesSql;
    private readonly string _updateSql;
    private readonly string _replaceSql;
    private readonly string _versionSql;
    private readonly bool _prepare;
    private volatile bool _schemaReady;
    private int _disposed;

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlSessionStorage"/> class.</summary>
    /// <param name="dataSource">The data source connections come from.</param>
    /// <param name="ownsDataSource">Whether disposing the storage disposes the data source.</param>
    /// <param name="options">Validated options.</param>
    /// <param name="timeProvider">The clock for update times; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">The logger; none when <see langword="null"/>.</param>
    public PostgreSqlSessionStorage(NpgsqlDataSource dataSource, bool ownsDataSource, PostgreSqlStorageOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate(requireConnectionString: false);
        if (problems.Count > 0) throw new ArgumentException(string.Join(" ", problems), nameof(options));

        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _prepare = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxAutoPrepare > 0;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _maxIndexedTextLength = options.MaxIndexedTextLength;
        _schemaName = options.SchemaName;
        string schema = PostgreSqlSchema.Quote(_schemaName);
        _sessions = schema + ".sessions";
        _messages = schema + ".messages";
        _migrations = schema + ".schema_migrations";
        // As text: read with the same reader path as every session row (GetString), so the first query compiles nothing of its own.
        _versionSql = $"SELECT coalesce(max(version), 0)::text FROM {_migrations}";

        _createSql = $"""
            WITH ins AS (
                INSERT INTO {_sessions} (id, title, title_norm, kind, kind_norm, tags, tags_norm, metadata, system_prompt, provider_name, provider_norm,
                    model_id, model_norm, parent_session_id, branched_at_sequence, message_count, created_ticks, updated_ticks, size_bytes,
                    input_tokens, output_tokens, total_tokens, cost, requests, version, title_tsv, unpriced_requests)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, 1,
                    $25::tsvector, $33)
                ON CONFLICT (id) DO NOTHING
                RETURNING id),
            msg AS (
                INSERT INTO {_messages} (session_id, seq, role, ts_ticks, payload, checksum, content, tsv)
                SELECT ins.id, m.seq, m.role, m.ts, m.payload, m.crc, m.content, m.words::tsvector
                FROM ins, unnest($26::bigint[], $27::text[], $28::bigint[], $29::text[], $30::integer[], $31::text[], $32::text[]) AS m(seq, role, ts, payload, crc, content, words)
                RETURNING 1)
            SELECT count(*) FROM ins
            """;

        // One statement: the row update takes the sequences (message_count) and feeds the insert; the row lock is held to the commit.
        // $1 session, $2 message count, $3 time, $4 size, $5-$9 usage, $16 unpriced requests; the rows follow from $10.
        string advanceSession = $"""
            UPDATE {_sessions} SET message_count = message_count + $2, updated_ticks = greatest(updated_ticks, $3), size_bytes = size_bytes + $4,
                input_tokens = input_tokens + $5, output_tokens = output_tokens + $6, total_tokens = total_tokens + $7, cost = cost + $8, requests = requests + $9,
                version = version + $2, unpriced_requests = unpriced_requests + $16
            WHERE id = $1
            """;
        _appendSql = $"""
            WITH s AS (
                {advanceSession}
                RETURNING message_count - $2 AS base)
            INSERT INTO {_messages} (session_id, seq, role, ts_ticks, payload, checksum, content, tsv)
            SELECT $1, s.base + m.ord, m.role, m.ts, m.payload, m.crc, m.content, m.words::tsvector
            FROM s, unnest($10::text[], $11::bigint[], $12::text[], $13::integer[], $14::text[], $15::text[]) WITH ORDINALITY AS m(role, ts, payload, crc, content, words, ord)
            RETURNING seq
            """;
        // The same statement for the common single message, with plain parameters: no arrays to encode, no unnest to run.
        _appendOneSql = $"""
            WITH s AS (
                {advanceSession}
                RETURNING message_count AS seq)
            INSERT INTO {_messages} (session_id, seq, role, ts_ticks, payload, checksum, content, tsv)
            SELECT $1, s.seq, $10, $11, $12, $13, $14, $15::tsvector
            FROM s
            RETURNING seq
            """;
        // The commonest append of all, one message without usage (every user message, most tool results): only what changes is
        // sent and set, 9 parameters instead of 16. $1 session, $2 time, $3 size; the row from $4.
        _appendOneWithoutUsageSql = $"""
            WITH s AS (
                UPDATE {_sessions} SET message_count = message_count + 1, updated_ticks = greatest(updated_ticks, $2), size_bytes = size_bytes + $3,
                    version = version + 1
                WHERE id = $1
                RETURNING message_count AS seq)
            INSERT INTO {_messages} (session_id, seq, role, ts_ticks, payload, checksum, content, tsv)
            SELECT $1, s.seq, $4, $5, $6, $7, $8, $9::tsvector
            FROM s
            RETURNING seq
            """;
        _insertMessagesSql = $"""
            INSERT INTO {_messages} (session_id, seq, role, ts_ticks, payload, checksum, content, tsv)
            SELECT $1, m.seq, m.role, m.ts, m.payload, m.crc, m.content, m.words::tsvector
            FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::integer[], $7::text[], $8::text[]) AS m(seq, role, ts, payload, crc, content, words)
            """;
        _getMessagesSql = $"""
            WITH s AS (
                SELECT id, message_count AS c, greatest(0, message_count - $2) AS available FROM {_sessions} WHERE id = $1),
            r AS (
                SELECT id, c, least(coalesce($3, available), available) AS len, available FROM s),
            b AS (
                SELECT id, len, CASE WHEN $4 THEN available - len ELSE least($2, c) END AS start FROM r)
            SELECT m.seq, m.payload, m.checksum
            FROM b LEFT JOIN {_messages} m ON m.session_id = b.id AND m.seq > b.start AND m.seq <= b.start + b.len
            ORDER BY m.seq
            """;
        _updateSql = $"""
            UPDATE {_sessions} SET title = $3, title_norm = $4, kind = $5, kind_norm = $6, tags = $7, tags_norm = $8, metadata = $9::jsonb,
                system_prompt = $10, provider_name = $11, provider_norm = $12, model_id = $13, model_norm = $14,
                updated_ticks = greatest(updated_ticks, $15), version = version + 1, edit_version = version + 1, title_tsv = $16::tsvector
            WHERE id = $1 AND $2 >= edit_version AND $2 <= version
            RETURNING {SessionColumns}
            """;
        _replaceSql = $"""
            UPDATE {_sessions} SET message_count = $3, size_bytes = $4, updated_ticks = greatest(updated_ticks, $5), version = version + 1, edit_version = version + 1
            WHERE id = $1 AND version = $2
            RETURNING {SessionColumns}
            """;
    }

    /// <summary>Gets the schema this storage uses.</summary>
    internal string SchemaName => _schemaName;

    /// <summary>Creates a data source for a connection string: automatic statement preparation and no reset on close (unless the
    /// string sets them), no type loading, and only the type mappings the store uses.</summary>
    /// <param name="connectionString">The connection string.</param>
    /// <param name="loggerFactory">The logger factory for Npgsql's own logs, if any.</param>
    /// <returns>The data source; the caller owns it.</returns>
    /// <remarks>
    /// <para>
    /// The store uses only PostgreSQL's built-in types, so the first connection need not load the database's type catalogue
    /// (a round trip and a large result a new process would parse before its first query), and the slim builder with arrays
    /// (text, integers, numeric, booleans and their arrays) is all it needs: a new process does not build (and JIT) the mappings
    /// of ranges, JSON, geometry, network and full-text types it never sends or reads.
    /// </para>
    /// <para>
    /// The data source is the store's own and the store leaves no session state behind on a connection (no <c>SET</c>, no
    /// temporary tables, no session-level locks: the migration lock is transaction-scoped), so a connection going back to the
    /// pool needs no reset. Npgsql's reset (<c>RESET ALL</c>, <c>CLOSE ALL</c>, <c>UNLISTEN *</c>, unlocking advisory locks and
    /// more, sent with the next statement) would otherwise run on the server before every append.
    /// </para>
    /// </remarks>
    internal static NpgsqlDataSource CreateDataSource(string connectionString, ILoggerFactory? loggerFactory)
    {
        var builder = new NpgsqlSlimDataSourceBuilder(connectionString);
        builder.EnableArrays();
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            // Appends and reads run the same few statements; preparing them saves a parse per call.
            builder.ConnectionStringBuilder.MaxAutoPrepare = 16;
        }

        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }

        builder.ConfigureTypeLoading(typeLoading => typeLoading.EnableTypeLoading(false));

        if (loggerFactory is not null) builder.UseLoggerFactory(loggerFactory);
        return builder.Build();
    }

    /// <inheritdoc/>
    public ValueTask<SessionInfo> CreateAsync(SessionInfo session, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(messages);
        SessionIds.Validate(session.Id, nameof(session));
        StoreRules.ValidateInfo(session, nameof(session));
        cancellationToken.ThrowIfCancellationRequested();
        var rows = MessageRows.Create(messages, 1, _maxIndexedTextLength);
        var now = _time.GetUtcNow();
        var metadata = CopyMetadata(session.Metadata);
        var tags = StoreRules.NormalizeTags(session.Tags);
        return RunAsync("create", session.Id, async connection =>
        {
            using var command = new NpgsqlCommand(_createSql, connection);
            var p = command.Parameters;
            p.Add(Text(session.Id));
            p.Add(Text(session.Title ?? string.Empty));
            p.Add(Text(Normalize(session.Title ?? string.Empty)));
            p.Add(Text(session.Kind.Value));
            p.Add(Text(Normalize(session.Kind.Value)));
            p.Add(TextArray(tags));
            p.Add(TextArray(NormalizeAll(tags)));
            p.Add(Text(SerializeMetadata(metadata)));
            p.Add(Text(session.SystemPrompt));
            p.Add(Text(session.ProviderName));
            p.Add(Text(NormalizeOrNull(session.ProviderName)));
            p.Add(Text(session.ModelId));
            p.Add(Text(NormalizeOrNull(session.ModelId)));
            p.Add(Text(session.ParentSessionId));
            p.Add(BigInt(session.BranchedAtSequence));
            p.Add(BigInt(rows.Count));
            p.Add(BigInt(session.CreatedAt.UtcTicks));
            p.Add(BigInt(now.UtcTicks));
            p.Add(BigInt(rows.SizeBytes));
            AddUsage(p, rows.Usage);
            p.Add(Text(SearchVector(session.Title ?? string.Empty)));
            rows.AddParameters(p, withSequences: true);
            p.Add(Unpriced(rows.Usage));
            long inserted = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            if (inserted == 0) throw new SessionAlreadyExistsException(session.Id);
            return session with
            {
                Title = session.Title ?? string.Empty,
                Tags = tags,
                Metadata = metadata,
                MessageCount = rows.Count,
                UpdatedAt = new DateTimeOffset(now.UtcTicks, TimeSpan.Zero),
                CreatedAt = new DateTimeOffset(session.CreatedAt.UtcTicks, TimeSpan.Zero),
                SizeBytes = rows.SizeBytes,
                Usage = rows.Usage,
                Version = 1,
            };
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<SessionInfo?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        return RunAsync("read", sessionId, connection => ReadSessionAsync(connection, null, sessionId, cancellationToken), cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<SessionMessage>> AppendMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            if (!await ExistsAsync(sessionId, cancellationToken).ConfigureAwait(false)) throw new SessionNotFoundException(sessionId);
            return [];
        }

        cancellationToken.ThrowIfCancellationRequested();

        // Serialized (sequence 0) and checksummed before the round trip; SQL assigns the sequences under the session row's lock.
        var rows = MessageRows.Create(messages, 0, _maxIndexedTextLength);
        var now = _time.GetUtcNow();
        long first = await RunAsync("append to", sessionId, async connection =>
        {
            NpgsqlCommand command;
            if (rows.Count == 1 && rows.Usage == SessionUsage.Empty)
            {
                command = new NpgsqlCommand(_appendOneWithoutUsageSql, connection);
                var p = command.Parameters;
                p.Add(new NpgsqlParameter<string> { TypedValue = sessionId });
                p.Add(new NpgsqlParameter<long> { TypedValue = now.UtcTicks });
                p.Add(new NpgsqlParameter<long> { TypedValue = rows.SizeBytes });
                rows.AddSingleRowParameters(p);
            }
            else
            {
                command = new NpgsqlCommand(rows.Count == 1 ? _appendOneSql : _appendSql, connection);
                var p = command.Parameters;
                p.Add(Text(sessionId));
                p.Add(BigInt(rows.Count));
                p.Add(BigInt(now.UtcTicks));
                p.Add(BigInt(rows.SizeBytes));
                AddUsage(p, rows.Usage);
                if (rows.Count == 1)
                {
                    rows.AddSingleRowParameters(p);
                }
                else
                {
                    rows.AddParameters(p, withSequences: false);
                }

                p.Add(Unpriced(rows.Usage));
            }

            using (command)
            {
                await PrepareAsync(command, cancellationToken).ConfigureAwait(false);
                if (rows.Count == 1)
                {
                    object? one = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    return one is long seq ? seq : throw new SessionNotFoundException(sessionId);
                }

                long lowest = long.MaxValue;
                int inserted = 0;
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        lowest = Math.Min(lowest, reader.GetInt64(0));
                        inserted++;
                    }
                }

                return inserted == 0 ? throw new SessionNotFoundException(sessionId) : lowest;
            }
        }, cancellationToken).ConfigureAwait(false);

        var appended = new SessionMessage[messages.Count];
        for (int i = 0; i < appended.Length; i++)
        {
            appended[i] = messages[i] with { Sequence = first + i };
        }

        return appended;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<SessionMessage>> GetMessagesAsync(string sessionId, MessageRange range, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        return RunAsync<IReadOnlyList<SessionMessage>>("read messages of", sessionId, async connection =>
        {
            using var command = new NpgsqlCommand(_getMessagesSql, connection);
            command.Parameters.Add(Text(sessionId));
            command.Parameters.Add(BigInt(range.Skip));
            command.Parameters.Add(BigInt(range.Take));
            command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = range.FromEnd });
            await PrepareAsync(command, cancellationToken).ConfigureAwait(false);
            var result = new List<SessionMessage>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                bool found = false;
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    found = true;
                    if (reader.IsDBNull(0)) continue;
                    result.Add(ReadMessage(reader, sessionId));
                }

                if (!found) throw new SessionNotFoundException(sessionId);
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
        cancellationToken.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow();
        var tags = StoreRules.NormalizeTags(session.Tags);
        return RunAsync("update", session.Id, async connection =>
        {
            using (var command = new NpgsqlCommand(_updateSql, connection))
            {
                var p = command.Parameters;
                p.Add(Text(session.Id));
                p.Add(BigInt(session.Version));
                p.Add(Text(session.Title ?? string.Empty));
                p.Add(Text(Normalize(session.Title ?? string.Empty)));
                p.Add(Text(session.Kind.Value));
                p.Add(Text(Normalize(session.Kind.Value)));
                p.Add(TextArray(tags));
                p.Add(TextArray(NormalizeAll(tags)));
                p.Add(Text(SerializeMetadata(session.Metadata)));
                p.Add(Text(session.SystemPrompt));
                p.Add(Text(session.ProviderName));
                p.Add(Text(NormalizeOrNull(session.ProviderName)));
                p.Add(Text(session.ModelId));
                p.Add(Text(NormalizeOrNull(session.ModelId)));
                p.Add(BigInt(now.UtcTicks));
                p.Add(Text(SearchVector(session.Title ?? string.Empty)));
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return ReadSession(reader);
            }

            throw await VersionConflictAsync(connection, null, session.Id, session.Version, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<SessionInfo> ReplaceMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, long expectedVersion, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        var rows = MessageRows.Create(messages, 1, _maxIndexedTextLength);
        var now = _time.GetUtcNow();
        return RunAsync("replace messages of", sessionId, async connection =>
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var transactionScope = transaction.ConfigureAwait(false);
            SessionInfo? info = null;
            using (var update = new NpgsqlCommand(_replaceSql, connection, transaction))
            {
                update.Parameters.Add(Text(sessionId));
                update.Parameters.Add(BigInt(expectedVersion));
                update.Parameters.Add(BigInt(rows.Count));
                update.Parameters.Add(BigInt(rows.SizeBytes));
                update.Parameters.Add(BigInt(now.UtcTicks));
                var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) info = ReadSession(reader);
            }

            if (info is null)
            {
                throw await VersionConflictAsync(connection, transaction, sessionId, expectedVersion, cancellationToken).ConfigureAwait(false);
            }

            using (var batch = new NpgsqlBatch(connection, transaction))
            {
                var delete = new NpgsqlBatchCommand($"DELETE FROM {_messages} WHERE session_id = $1");
                delete.Parameters.Add(Text(sessionId));
                batch.BatchCommands.Add(delete);
                if (rows.Count > 0)
                {
                    var insert = new NpgsqlBatchCommand(_insertMessagesSql);
                    insert.Parameters.Add(Text(sessionId));
                    rows.AddParameters(insert.Parameters, withSequences: true);
                    batch.BatchCommands.Add(insert);
                }

                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return info;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        return DeleteSessionAsync("delete", sessionId, $"DELETE FROM {_sessions} WHERE id = $1", cancellationToken);
    }

    /// <summary>Deletes a session row and then its message rows, in one round trip and one transaction; <see langword="true"/> when
    /// the row was deleted.</summary>
    /// <remarks>
    /// Message rows have no foreign key (see <see cref="PostgreSqlSchema"/>), so the rows are deleted here. The second statement takes
    /// its own snapshot after the first has deleted the session row (waiting for an append holding that row's lock to commit), so it
    /// also sees the rows such an append committed; an append that comes later finds no session row and inserts nothing. It deletes
    /// only while no session row with that id exists (a trashed session's rows stay when <c>DeleteAsync</c> finds no live row).
    /// </remarks>
    private ValueTask<bool> DeleteSessionAsync(string action, string sessionId, string deleteRowSql, CancellationToken cancellationToken) =>
        RunAsync(action, sessionId, async connection =>
        {
            using var batch = new NpgsqlBatch(connection);
            var deleteRow = new NpgsqlBatchCommand(deleteRowSql);
            deleteRow.Parameters.Add(Text(sessionId));
            batch.BatchCommands.Add(deleteRow);
            var deleteMessages = new NpgsqlBatchCommand(
                $"DELETE FROM {_messages} WHERE session_id = $1 AND NOT EXISTS (SELECT 1 FROM {Rows} WHERE id = $1)");
            deleteMessages.Parameters.Add(Text(sessionId));
            batch.BatchCommands.Add(deleteMessages);
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return deleteRow.RecordsAffected > 0;
        }, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<bool> ExistsAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        return RunAsync("check", sessionId, async connection =>
        {
            using var command = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {_sessions} WHERE id = $1)", connection);
            command.Parameters.Add(Text(sessionId));
            return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (sql, parameters) = Filters(query, "SELECT " + SessionColumns);
        var sessions = await ListPageAsync(query, sql, parameters, cancellationToken).ConfigureAwait(false);
        foreach (var session in sessions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return session;
        }
    }

    /// <summary>Creates the schema and applies migrations up to <paramref name="targetVersion"/>, serialized across instances.</summary>
    /// <param name="targetVersion">The version to reach; tests use lower versions to simulate an old schema.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The schema version after migrating.</returns>
    /// <exception cref="SessionFormatException">The schema is newer than this library knows.</exception>
    /// <exception cref="SessionStorageException">The database failed.</exception>
    internal async Task<int> MigrateAsync(int targetVersion, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var transactionScope = transaction.ConfigureAwait(false);
            using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
            {
                lockCommand.Parameters.Add(BigInt(PostgreSqlSchema.AdvisoryLockKey(_schemaName)));
                await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // Create only what is missing, so an instance without CREATE rights runs against a schema a DBA prepared.
            bool hasSchema, hasTable;
            using (var probe = new NpgsqlCommand(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1), to_regclass($2) IS NOT NULL", connection, transaction))
            {
                probe.Parameters.Add(Text(_schemaName));
                probe.Parameters.Add(Text(_migrations));
                var reader = await probe.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                hasSchema = reader.GetBoolean(0);
                hasTable = reader.GetBoolean(1);
            }

            string schema = PostgreSqlSchema.Quote(_schemaName);
            if (!hasSchema) await ExecuteAsync(connection, transaction, $"CREATE SCHEMA {schema}", cancellationToken).ConfigureAwait(false);
            if (!hasTable)
            {
                await ExecuteAsync(connection, transaction,
                    $"CREATE TABLE {_migrations} (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                    cancellationToken).ConfigureAwait(false);
            }

            int current = await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);

            ThrowIfNewer(current);
            int target = Math.Min(targetVersion, PostgreSqlSchema.LatestVersion);
            var applied = new List<int>();
            for (int version = current + 1; version <= target; version++)
            {
                var (description, sql) = PostgreSqlSchema.Migrations[version - 1];
                await ExecuteAsync(connection, transaction, string.Format(CultureInfo.InvariantCulture, sql, schema), cancellationToken).ConfigureAwait(false);
                using var record = new NpgsqlCommand($"INSERT INTO {_migrations} (version, description) VALUES ($1, $2)", connection, transaction);
                record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
                record.Parameters.Add(Text(description));
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                applied.Add(version);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            foreach (int version in applied)
            {
                PostgreSqlLog.MigrationApplied(_logger, _schemaName, version, PostgreSqlSchema.Migrations[version - 1].Description);
            }

            int reached = Math.Max(current, target);
            PostgreSqlLog.SchemaReady(_logger, _schemaName, reached);
            return reached;
        }
        catch (NpgsqlException ex)
        {
            throw Translate(ex, $"prepare schema '{_schemaName}' (migrations)", null, cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _schemaGate.Dispose();
        if (_ownsDataSource) await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _schemaGate.Dispose();
        if (_ownsDataSource) _dataSource.Dispose();
    }

    /// <summary>Runs one operation: a pooled connection, the schema check on it (once per instance), and Npgsql errors translated.</summary>
    /// <remarks>
    /// The schema check uses the operation's own connection, so a new process's first operation opens one connection and runs the
    /// version query and then its own statement on it (no second trip through the pool, no further async layers to compile).
    /// </remarks>
    /// <typeparam name="T">The operation's result.</typeparam>
    /// <param name="action">What the operation does, for error messages ("append to", "list sessions").</param>
    /// <param name="sessionId">The session it concerns, if one.</param>
    /// <param name="operation">The operation on an open connection.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The operation's result.</returns>
    private async ValueTask<T> RunAsync<T>(string action, string? sessionId, Func<NpgsqlConnection, Task<T>> operation, CancellationToken cancellationToken)
    {
        bool checkSchema = !_schemaReady;
        if (checkSchema) ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                if (checkSchema)
                {
                    await EnsureSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
                }

                return await operation(connection).ConfigureAwait(false);
            }
        }
        catch (NpgsqlException ex)
        {
            throw Translate(ex, action, sessionId, cancellationToken);
        }
    }

    /// <summary>Runs one statement through <see cref="RunAsync{T}"/>; <see langword="true"/> when it changed a row.</summary>
    private ValueTask<bool> ExecuteAsync(string action, string? sessionId, string sql, NpgsqlParameter[] parameters, CancellationToken cancellationToken) =>
        RunAsync(action, sessionId, async connection =>
        {
            using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddRange(parameters);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }, cancellationToken);

    /// <summary>Prepares a hot statement on this connection once (later calls find it prepared and send nothing), unless the
    /// data source disables preparation (<c>Max Auto Prepare=0</c>, as behind a pooler that cannot keep prepared statements).</summary>
    private Task PrepareAsync(NpgsqlCommand command, CancellationToken cancellationToken) =>
        !_prepare || command.IsPrepared ? Task.CompletedTask : command.PrepareAsync(cancellationToken);

    /// <summary>One query for the schema version, on the operation's connection; the migrator (lock, probes, migrations) runs only
    /// when it is not the latest. 0 when the schema or its migrations table does not exist yet.</summary>
    private async Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schemaReady) return;
            int current;
            try
            {
                current = await ReadVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
            {
                current = 0;
            }
            catch (NpgsqlException ex)
            {
                throw Translate(ex, $"check schema '{_schemaName}'", null, cancellationToken);
            }

            if (current == PostgreSqlSchema.LatestVersion)
            {
                PostgreSqlLog.SchemaReady(_logger, _schemaName, current);
            }
            else
            {
                ThrowIfNewer(current);
                await MigrateAsync(int.MaxValue, cancellationToken).ConfigureAwait(false);
            }

            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    private async Task<int> ReadVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(_versionSql, connection, transaction);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return int.Parse(reader.GetString(0), NumberStyles.None, CultureInfo.InvariantCulture);
        }
    }

    private void ThrowIfNewer(int current)
    {
        if (current > PostgreSqlSchema.LatestVersion)
        {
            throw new SessionFormatException(
                $"The PostgreSQL schema '{_schemaName}' is at version {current}, newer than version {PostgreSqlSchema.LatestVersion} that this " +
                "Sessions.Sdk.PostgreSql knows; upgrade the package (an older library must not write to a newer schema).");
        }
    }

    /// <summary>Reads a message row selected as <c>seq, payload, checksum</c>, verifying the checksum when the row has one.</summary>
    /// <exception cref="SessionFormatException">The row is damaged: names the session and the sequence.</exception>
    private static SessionMessage ReadMessage(NpgsqlDataReader reader, string sessionId) => ReadMessageAt(reader, 0, sessionId);

    /// <summary>Reads a message row whose <c>seq, payload, checksum</c> start at <paramref name="ordinal"/>, verifying the checksum.</summary>
    /// <exception cref="SessionFormatException">The row is damaged: names the session and the sequence.</exception>
    private static SessionMessage ReadMessageAt(NpgsqlDataReader reader, int ordinal, string sessionId)
    {
        long seq = reader.GetInt64(ordinal);
        try
        {
            string payload = reader.GetString(ordinal + 1);
            if (!reader.IsDBNull(ordinal + 2))
            {
                uint stored = unchecked((uint)reader.GetInt32(ordinal + 2));
                uint actual = RecordChecksum.Crc32C(payload);
                if (stored != actual)
                {
                    throw new SessionFormatException(
                        $"checksum mismatch (stored {stored:x8}, computed {actual:x8})", sessionId);
                }
            }

            var message = SessionJson.DeserializeMessage(payload, sessionId);
            return message.Sequence == seq ? message : message with { Sequence = seq };
        }
        catch (Exception ex) when ((ex is SessionFormatException or InvalidCastException or FormatException) && !IsNewerVersion(ex))
        {
            throw new SessionFormatException(
                $"Session '{sessionId}': the message row with sequence {seq} is damaged ({ex.Message}). The session's other messages stay readable; "
                + "ISessionRecovery.SalvageAsync keeps every readable message and drops the damaged row.",
                sessionId,
                seq,
                null,
                ex);
        }
    }

    private static bool IsNewerVersion(Exception ex) => ex.Message.Contains("newer than", StringComparison.Ordinal);

    /// <summary>Selects from the live sessions (the <c>sessions</c> view) with the query's filters; also used by statistics.</summary>
    private (StringBuilder Sql, List<NpgsqlParameter> Parameters) Filters(SessionQuery query, string select)
    {
        var sql = new StringBuilder(select).Append(" FROM ").Append(_sessions).Append(" WHERE true");
        var parameters = new List<NpgsqlParameter>();
        string Arg(NpgsqlParameter parameter)
        {
            parameters.Add(parameter);
            return "$" + parameters.Count.ToString(CultureInfo.InvariantCulture);
        }

        if (query.TitleContains is { Length: > 0 } title) sql.Append(" AND strpos(title_norm, ").Append(Arg(Text(Normalize(title)))).Append(") > 0");
        if (query.Tag is { Length: > 0 } tag) sql.Append(" AND tags_norm @> ARRAY[").Append(Arg(Text(Normalize(tag)))).Append("]::text[]");
        if (query.Kind is { } kind) sql.Append(" AND kind_norm = ").Append(Arg(Text(Normalize(kind.Value))));
        if (query.ProviderName is { } provider) sql.Append(" AND provider_norm = ").Append(Arg(Text(Normalize(provider))));
        if (query.ModelId is { } model) sql.Append(" AND model_norm = ").Append(Arg(Text(Normalize(model))));
        if (query.CreatedAfter is { } createdAfter) sql.Append(" AND created_ticks >= ").Append(Arg(BigInt(createdAfter.UtcTicks)));
        if (query.CreatedBefore is { } createdBefore) sql.Append(" AND created_ticks < ").Append(Arg(BigInt(createdBefore.UtcTicks)));
        if (query.UpdatedAfter is { } updatedAfter) sql.Append(" AND updated_ticks >= ").Append(Arg(BigInt(updatedAfter.UtcTicks)));
        if (query.UpdatedBefore is { } updatedBefore) sql.Append(" AND updated_ticks < ").Append(Arg(BigInt(updatedBefore.UtcTicks)));
        if (query.MetadataKey is { } key)
        {
            if (query.MetadataValue is { } value)
            {
                sql.Append(" AND (metadata ->> ").Append(Arg(Text(key))).Append(") = ").Append(Arg(Text(value)));
            }
            else
            {
                sql.Append(" AND (metadata -> ").Append(Arg(Text(key))).Append(") IS NOT NULL");
            }
        }

        return (sql, parameters);
    }

    private ValueTask<List<SessionInfo>> ListPageAsync(SessionQuery query, StringBuilder sql, List<NpgsqlParameter> parameters, CancellationToken cancellationToken)
    {
        string Arg(NpgsqlParameter parameter)
        {
            parameters.Add(parameter);
            return "$" + parameters.Count.ToString(CultureInfo.InvariantCulture);
        }

        string direction = query.Descending ? " DESC" : " ASC";
        string orderColumn = query.OrderBy switch
        {
            SessionSortField.CreatedAt => "created_ticks",
            SessionSortField.Title => "title_norm COLLATE \"C\"",
            SessionSortField.MessageCount => "message_count",
            _ => "updated_ticks",
        };
        sql.Append(" ORDER BY ").Append(orderColumn).Append(direction).Append(", id COLLATE \"C\" ASC");
        if (query.Skip > 0) sql.Append(" OFFSET ").Append(Arg(BigInt(query.Skip)));
        if (query.Take is { } take) sql.Append(" LIMIT ").Append(Arg(BigInt(Math.Max(0, take))));

        return RunAsync("list sessions", null, async connection =>
        {
            var result = new List<SessionInfo>();
            using var command = new NpgsqlCommand(sql.ToString(), connection);
            command.Parameters.AddRange(parameters.ToArray());
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Add(ReadSession(reader));
            }

            return result;
        }, cancellationToken);
    }

    private async Task<SessionInfo?> ReadSessionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sessionId, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand($"SELECT {SessionColumns} FROM {_sessions} WHERE id = $1", connection, transaction);
        command.Parameters.Add(Text(sessionId));
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadSession(reader) : null;
    }

    private async Task<SessionsException> VersionConflictAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sessionId, long expectedVersion, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand($"SELECT version FROM {_sessions} WHERE id = $1", connection, transaction);
        command.Parameters.Add(Text(sessionId));
        object? actual = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return actual is long version
            ? new SessionConcurrencyException(sessionId, expectedVersion, version)
            : new SessionNotFoundException(sessionId);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static SessionInfo ReadSession(NpgsqlDataReader reader) => ParseSession(reader.GetString(0));

    /// <summary>Parses a row selected as <see cref="SessionColumns"/>.</summary>
    /// <exception cref="SessionFormatException">The row is not the JSON array this library selects.</exception>
    internal static SessionInfo ParseSession(string row)
    {
        byte[] utf8 = System.Buffers.ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(row.Length));
        try
        {
            var reader = new Utf8JsonReader(utf8.AsSpan(0, Encoding.UTF8.GetBytes(row, utf8)));
            Next(ref reader, JsonTokenType.StartArray);
            string id = NextString(ref reader) ?? throw new JsonException("the id is null");
            string title = NextString(ref reader) ?? string.Empty;
            string kind = NextString(ref reader) ?? SessionKind.Chat.Value;
            var tags = new List<string>();
            if (Next(ref reader) == JsonTokenType.StartArray)
            {
                while (Next(ref reader) != JsonTokenType.EndArray) tags.Add(reader.GetString() ?? string.Empty);
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            if (Next(ref reader) == JsonTokenType.StartObject)
            {
                while (Next(ref reader) == JsonTokenType.PropertyName)
                {
                    string key = reader.GetString()!;
                    metadata[key] = Next(ref reader) == JsonTokenType.String ? reader.GetString()! : RawValue(ref reader, utf8);
                }
            }

            var session = new SessionInfo
            {
                Id = id,
                Title = title,
                Kind = string.Equals(kind, SessionKind.Chat.Value, StringComparison.Ordinal) ? SessionKind.Chat : new SessionKind(kind),
                Tags = tags,
                Metadata = metadata,
                SystemPrompt = NextString(ref reader),
                ProviderName = NextString(ref reader),
                ModelId = NextString(ref reader),
                ParentSessionId = NextString(ref reader),
                BranchedAtSequence = Next(ref reader) == JsonTokenType.Null ? null : reader.GetInt64(),
                MessageCount = NextInt64(ref reader),
                CreatedAt = new DateTimeOffset(NextInt64(ref reader), TimeSpan.Zero),
                UpdatedAt = new DateTimeOffset(NextInt64(ref reader), TimeSpan.Zero),
                SizeBytes = NextInt64(ref reader),
                Usage = new SessionUsage
                {
                    InputTokens = NextInt64(ref reader),
                    OutputTokens = NextInt64(ref reader),
                    TotalTokens = NextInt64(ref reader),
                    Cost = Next(ref reader, JsonTokenType.Number) == JsonTokenType.Number ? reader.GetDecimal() : 0,
                    Requests = (int)NextInt64(ref reader),
                },
                Version = NextInt64(ref reader),
            };

            // The unpriced-request count (a later migration) comes last; a row without it has none.
            if (Next(ref reader) != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.Number) throw new JsonException($"expected Number, found {reader.TokenType}");
                int unpriced = reader.GetInt32();
                if (unpriced != 0) session = session with { Usage = session.Usage with { UnpricedRequests = unpriced } };
                Next(ref reader, JsonTokenType.EndArray);
            }

            return session;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException or OverflowException)
        {
            throw new SessionFormatException($"Invalid session row from PostgreSQL: {ex.Message}", null, ex);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(utf8);
        }
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader, JsonTokenType? expected = null)
    {
        if (!reader.Read()) throw new JsonException("the session row ends early");
        if (expected is { } type && reader.TokenType != type) throw new JsonException($"expected {type}, found {reader.TokenType}");
        return reader.TokenType;
    }

    private static string? NextString(ref Utf8JsonReader reader) => Next(ref reader) == JsonTokenType.Null ? null : reader.GetString();

    private static long NextInt64(ref Utf8JsonReader reader)
    {
        Next(ref reader, JsonTokenType.Number);
        return reader.GetInt64();
    }

    /// <summary>A metadata value that is not a JSON string (written by hand into the table), as its JSON text.</summary>
    private static string RawValue(ref Utf8JsonReader reader, byte[] utf8)
    {
        long start = reader.TokenStartIndex;
        reader.Skip();
        return Encoding.UTF8.GetString(utf8, (int)start, (int)(reader.BytesConsumed - start));
    }

    private Exception Translate(NpgsqlException exception, string action, string? sessionId, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException($"The PostgreSQL storage operation '{action}' was canceled.", exception, cancellationToken);
        }

        string what = sessionId is null ? action : $"{action} session '{sessionId}'";
        PostgreSqlLog.OperationFailed(_logger, exception, what);
        return new SessionStorageException($"PostgreSQL storage failed to {what}: {exception.Message}", exception);
    }

    private static void AddUsage(NpgsqlParameterCollection parameters, SessionUsage usage)
    {
        parameters.Add(BigInt(usage.InputTokens));
        parameters.Add(BigInt(usage.OutputTokens));
        parameters.Add(BigInt(usage.TotalTokens));
        parameters.Add(new NpgsqlParameter<decimal> { TypedValue = usage.Cost });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = usage.Requests });
    }

    /// <summary>The unpriced-request count, added after a statement's other parameters (its own last <c>$n</c>).</summary>
    private static NpgsqlParameter<int> Unpriced(SessionUsage usage) => new() { TypedValue = usage.UnpricedRequests };

    private static NpgsqlParameter Text(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter TextArray(string[] value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = value };

    private static NpgsqlParameter BigInt(long? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Bigint, Value = value is { } v ? v : DBNull.Value };

    /// <summary>Folds case the way <see cref="StringComparer.OrdinalIgnoreCase"/> does, so SQL equality agrees with it.</summary>
    private static string Normalize(string value) => value.ToUpperInvariant();

    private static string? NormalizeOrNull(string? value) => value?.ToUpperInvariant();

    private static string[] NormalizeAll(string[] values)
    {
        var result = new string[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = Normalize(values[i]);
        return result;
    }

    private static Dictionary<string, string> CopyMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        var copy = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata) copy[key] = value;
        }

        return copy;
    }

    private static string SerializeMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null || metadata.Count == 0) return "{}";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in metadata) writer.WriteString(key, value);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
