using System.Collections.Concurrent;
using Npgsql;

namespace Sessions.Sdk;

/// <summary>Search indexing off the append path: a session's messages above its watermark (<c>indexed_seq</c>) are indexed in
/// batches, never by the append itself.</summary>
/// <remarks>
/// <para>
/// An append writes its message rows and updates its session row, nothing else. A message's searchable text and <c>tsvector</c>
/// live in <c>message_search</c>; the session row's <c>indexed_seq</c> says up to which sequence they are there, and the messages
/// above it are pending (see <see cref="PostgreSqlSchema"/>). Pending messages are indexed, many per transaction:
/// </para>
/// <list type="bullet">
/// <item>by a background pass that starts once this instance has appended <see cref="BackgroundIndexBatch"/> messages since the last
/// pass, over the sessions it appended to;</item>
/// <item>by every bulk write (create, replace), which writes its own search rows in the same statement;</item>
/// <item>before every search, over every session: a search never misses a message whose append returned before the search
/// started, whichever process appended it, even one that crashed before its pass ran.</item>
/// </list>
/// <para>
/// A pass reads the pending messages' stored payloads and derives their text and words with the rule bulk writes use
/// (<see cref="MessageRows.SearchText"/>, <see cref="SearchVector"/>), so every search row is made the same way. It writes them in
/// one statement that first advances each session's watermark only if the session row still has the watermark and
/// <c>edit_version</c> the pass read (the row lock also waits for an append in flight), so a session rewritten (replace, salvage)
/// or deleted meanwhile gets no stale rows, and two passes never index a message twice. The rows are derived data: the pass commits
/// without waiting for the WAL flush, and a crash that loses it loses the watermark with it, so the messages are pending again.
/// </para>
/// </remarks>
internal sealed partial class PostgreSqlSessionStorage
{
    /// <summary>The most messages one indexing transaction takes.</summary>
    private const int IndexChunk = 500;

    /// <summary>Passes a search runs at most before it searches anyway: only a session rewritten or updated between each pass's
    /// read and write keeps anything pending, and that session's next pass indexes it.</summary>
    private const int MaxSearchPasses = 64;

    private readonly ConcurrentDictionary<string, byte> _appendedTo = new(StringComparer.Ordinal);
    private long _unindexed;
    private int _indexing;
    private Task _indexTask = Task.CompletedTask;

    /// <summary>Gets or sets how many appended messages start a background indexing pass (0 turns the background pass off; tests).</summary>
    internal int BackgroundIndexBatch { get; set; } = 32;

    /// <summary>Gets or sets a step run between a pass's read and its write (tests: a change racing the pass).</summary>
    internal Func<Task>? BeforeIndexWrite { get; set; }

    /// <summary>Indexes every pending message of every session now (what a search does first); for tests and diagnostics too.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The number of messages indexed.</returns>
    internal async ValueTask<long> IndexPendingAsync(CancellationToken cancellationToken = default)
    {
        long total = 0;
        for (int pass = 0; pass < MaxSearchPasses; pass++)
        {
            var (found, _, indexed) = await IndexPassAsync(null, IndexChunk, cancellationToken).ConfigureAwait(false);
            total += indexed;
            if (!found) break;
        }

        return total;
    }

    /// <summary>Records an append and starts a background pass once enough messages have gathered.</summary>
    /// <param name="sessionId">The session appended to.</param>
    /// <param name="count">The number of messages appended.</param>
    private void NoteAppended(string sessionId, int count)
    {
        int batch = BackgroundIndexBatch;
        if (batch <= 0) return;
        _appendedTo.TryAdd(sessionId, 0);
        if (Interlocked.Add(ref _unindexed, count) >= batch) StartBackgroundPass();
    }

    private void StartBackgroundPass()
    {
        if (Interlocked.CompareExchange(ref _indexing, 1, 0) != 0) return;
        _indexTask = Task.Run(BackgroundPassAsync);
    }

    /// <summary>Indexes what this instance appended, off the append path; runs again while appends keep coming.</summary>
    private async Task BackgroundPassAsync()
    {
        try
        {
            while (Volatile.Read(ref _disposed) == 0 && Interlocked.Exchange(ref _unindexed, 0) > 0)
            {
                var ids = new List<string>(_appendedTo.Count);
                foreach (var id in _appendedTo.Keys)
                {
                    if (_appendedTo.TryRemove(id, out _)) ids.Add(id);
                }

                if (ids.Count == 0) continue;
                string[] sessions = [.. ids];
                while (true)
                {
                    var (_, read, _) = await IndexPassAsync(sessions, IndexChunk, CancellationToken.None).ConfigureAwait(false);
                    if (read < IndexChunk) break;
                }
            }
        }
        catch (Exception ex)
        {
            // Whatever failed (the server gone, the store disposed meanwhile), the next pass or the next search indexes what is
            // still pending: a failed pass loses nothing, and nothing is thrown on a thread no caller awaits.
            PostgreSqlLog.IndexingDeferred(_logger, ex.Message);
        }
        finally
        {
            Volatile.Write(ref _indexing, 0);
        }

        // A batch gathered while this pass was finishing found it still running: start the next pass for it.
        int batch = BackgroundIndexBatch;
        if (batch > 0 && Volatile.Read(ref _disposed) == 0 && Volatile.Read(ref _unindexed) >= batch) StartBackgroundPass();
    }

    /// <summary>One indexing transaction: reads up to <paramref name="limit"/> pending messages (of <paramref name="sessionIds"/>, or
    /// of every session), derives their search rows and writes them, advancing the watermarks.</summary>
    /// <returns>Whether anything was pending, the messages read, and the search rows written (fewer when a session changed
    /// meanwhile).</returns>
    private async Task<(bool Found, int Read, int Indexed)> IndexPassAsync(string[]? sessionIds, int limit, CancellationToken cancellationToken)
    {
        return await RunAsync("index messages for search", null, async connection =>
        {
            var sessions = new List<(string Id, long From, long EditVersion, long Upto)>();
            var ids = new List<string>();
            var sequences = new List<long>();
            var roles = new List<string>();
            var times = new List<long>();
            var contents = new List<string>();
            var words = new List<string>();
            using (var read = new NpgsqlCommand(sessionIds is null ? _pendingSql : _pendingOfSql, connection))
            {
                read.Parameters.Add(BigInt(limit));
                if (sessionIds is not null) read.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = sessionIds });
                var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    string id = reader.GetString(0);
                    if (sessions.Count == 0 || !string.Equals(sessions[^1].Id, id, StringComparison.Ordinal))
                    {
                        sessions.Add((id, reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
                    }

                    if (reader.IsDBNull(4)) continue;
                    ids.Add(id);
                    sequences.Add(reader.GetInt64(4));
                    roles.Add(reader.GetString(7));
                    times.Add(reader.GetInt64(8));
                    string text;
                    try
                    {
                        text = MessageRows.SearchText(ReadMessageAt(reader, 4, id).Text, _maxIndexedTextLength);
                    }
                    catch (SessionFormatException)
                    {
                        // A damaged row is reported by reads and salvage; it has no text to index, and must not hold back the rest.
                        text = string.Empty;
                    }

                    contents.Add(text);
                    words.Add(SearchVector(text));
                }
            }

            if (sessions.Count == 0) return (false, 0, 0);
            if (BeforeIndexWrite is { } hook) await hook().ConfigureAwait(false);
            using var batch = new NpgsqlBatch(connection);

            // Derived data: no need to wait for the WAL flush (a crash that loses this loses the watermark with it).
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT set_config('synchronous_commit', 'off', true)"));
            var write = new NpgsqlBatchCommand(_indexSql);
            write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. sessions.Select(s => s.Id)] });
            write.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. sessions.Select(s => s.From)] });
            write.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. sessions.Select(s => s.EditVersion)] });
            write.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. sessions.Select(s => s.Upto)] });
            write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ids] });
            write.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. sequences] });
            write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. roles] });
            write.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. times] });
            write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. contents] });
            write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. words] });
            batch.BatchCommands.Add(write);
            try
            {
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                // Another pass locked the same session rows in another order: it indexes them, or the next pass does.
                return (true, ids.Count, 0);
            }

            return (true, ids.Count, write.RecordsAffected);
        }, cancellationToken).ConfigureAwait(false);
    }
}
