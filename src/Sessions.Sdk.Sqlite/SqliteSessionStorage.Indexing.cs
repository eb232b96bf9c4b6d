using Microsoft.Data.Sqlite;

namespace Sessions.Sdk;

/// <summary>Search indexing off the append path: message rows above the watermark are indexed in batches, never by the append itself.</summary>
/// <remarks>
/// An append writes its message row and its session row and nothing else. The full-text index covers the message rows whose id is
/// at most <c>sessions_fts_state.indexed_upto</c>; the rows above it are pending (see <see cref="SqliteSchema"/>). Pending rows are
/// indexed, in one transaction per batch (one FTS5 segment for many messages instead of one per commit):
/// <list type="bullet">
/// <item>by a background pass that starts once this instance has appended <see cref="BackgroundIndexBatch"/> messages since the last pass;</item>
/// <item>by every bulk write (create, replace), which indexes what is pending together with its own rows;</item>
/// <item>before every search: a search that finds pending rows indexes them first, so it never misses a message whose append returned
/// before the search started, whichever process or instance appended it.</item>
/// </list>
/// </remarks>
internal sealed partial class SqliteSessionStorage
{
    /// <summary>The most pending rows one indexing transaction takes, so a long backlog never holds the write lock for long.</summary>
    private const long IndexChunk = 2000;

    /// <summary>The most rows one background indexing transaction takes, so an append never waits long for one.</summary>
    private const long BackgroundChunk = 128;

    /// <summary>Committed writes of this instance after which a background pass checkpoints the write-ahead log.</summary>
    private const long CheckpointEvery = 256;

    /// <summary>Index pages of merge work asked for per row indexed, in the same transaction as the rows (FTS5 merges only levels
    /// holding enough segments, so most rounds do less; a few larger merge calls cost far less than many small ones).</summary>
    private const long MergePagesPerRow = 4;

    /// <summary>Rows indexed outside the background pass (searches, bulk writes) after which a background pass merges.</summary>
    private const long MergeEvery = 32;

    private long _unmerged;
    private long _unindexed;
    private long _uncheckpointed;
    private int _indexing;
    private Task _indexTask = Task.CompletedTask;

    /// <summary>Gets or sets how many appended messages start a background indexing pass (0 turns the background pass off; tests).</summary>
    /// <remarks>32 by default, so what a search finds pending stays small; 128 in durable mode, where an append waits for an fsync
    /// anyway and a pass's CPU time per row falls with the batch (larger segments, less merging).</remarks>
    internal int BackgroundIndexBatch { get; set; }

    /// <summary>Indexes every pending message row now (what a search does first); for tests, diagnostics and the benchmark harness.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The number of message rows indexed.</returns>
    internal async ValueTask<long> IndexPendingAsync(CancellationToken cancellationToken = default)
    {
        long total = 0;
        while (true)
        {
            long indexed = await RunAsync(write: true, null, "index", lease => FoldAndIndex(lease, IndexChunk), cancellationToken, derived: true).ConfigureAwait(false);
            total += indexed;
            if (indexed < IndexChunk) return total;
        }
    }

    /// <summary>Folds pending appends into their session rows (schema 9) and indexes up to <paramref name="limit"/> pending rows, in
    /// one transaction (what a search that finds rows pending does first).</summary>
    private long FoldAndIndex(SqliteLease lease, long limit)
    {
        if (LazyAggregates) FoldPending(lease);
        return IndexPending(lease, limit);
    }

    /// <summary>Counts the message rows waiting to be indexed (an upper bound: ids may have gaps).</summary>
    /// <param name="lease">A lease inside a transaction.</param>
    /// <returns>Highest message id minus the watermark, at least 0.</returns>
    private static long PendingIndexRows(SqliteLease lease)
    {
        var state = lease.Command("SELECT (SELECT coalesce(max(id), 0) FROM session_messages) - indexed_upto FROM sessions_fts_state");
        object? pending = state.ExecuteScalar();
        return pending is long value && value > 0 ? value : 0;
    }

    /// <summary>Indexes up to <paramref name="limit"/> pending message rows, in id order, and advances the watermark past them.</summary>
    /// <param name="lease">A lease inside a write transaction.</param>
    /// <param name="limit">The most rows to index.</param>
    /// <param name="countForMerge">Whether the rows count towards the next background merge (not when the caller merges them itself).</param>
    /// <returns>The number of rows indexed.</returns>
    private long IndexPending(SqliteLease lease, long limit, bool countForMerge = true)
    {
        var state = lease.Command("SELECT indexed_upto, (SELECT coalesce(max(id), 0) FROM session_messages) FROM sessions_fts_state");
        long upto, max;
        using (var reader = state.ExecuteReader())
        {
            if (!reader.Read()) return 0;
            upto = reader.GetInt64(0);
            max = reader.GetInt64(1);
        }

        if (max <= upto) return 0;
        long target = max;
        if (max - upto > limit)
        {
            var nth = lease.Command("SELECT id FROM session_messages WHERE id > $upto ORDER BY id LIMIT 1 OFFSET $offset");
            SqliteLease.Set(nth, "$upto", upto);
            SqliteLease.Set(nth, "$offset", limit - 1);
            target = nth.ExecuteScalar() is long id ? id : max;
        }

        var index = lease.Command(
            "INSERT INTO session_messages_fts(rowid, text) SELECT id, text FROM session_messages WHERE id > $upto AND id <= $target ORDER BY id");
        SqliteLease.Set(index, "$upto", upto);
        SqliteLease.Set(index, "$target", target);
        long indexed = index.ExecuteNonQuery();
        var advance = lease.Command("UPDATE sessions_fts_state SET indexed_upto = $target");
        SqliteLease.Set(advance, "$target", target);
        advance.ExecuteNonQuery();
        if (countForMerge && Interlocked.Add(ref _unmerged, indexed) >= MergeEvery) StartBackgroundPass();
        return indexed;
    }

    /// <summary>One background round in one transaction: indexes up to <paramref name="limit"/> pending rows and merges index segments
    /// in proportion to them and to <paramref name="unmerged"/> rows indexed elsewhere (one FTS5 <c>'merge'</c> call), so a round
    /// commits once.</summary>
    private long IndexAndMerge(SqliteLease lease, long limit, long unmerged)
    {
        if (LazyAggregates) FoldPending(lease); // session rows too: one commit per round
        long indexed = limit > 0 ? IndexPending(lease, limit, countForMerge: false) : 0;
        long budget = (indexed + unmerged) * MergePagesPerRow;
        if (budget > 0 && TargetSchemaVersion >= 7)
        {
            var merge = lease.Command("INSERT INTO session_messages_fts(session_messages_fts, rank) VALUES ('merge', $pages)");
            SqliteLease.Set(merge, "$pages", budget);
            merge.ExecuteNonQuery();
        }

        return indexed;
    }

    /// <summary>Records appended messages and starts a background pass once enough have gathered.</summary>
    /// <param name="count">The number of messages just appended.</param>
    private void NoteAppended(int count)
    {
        int batch = BackgroundIndexBatch;
        if (batch > 0 && Interlocked.Add(ref _unindexed, count) >= batch) StartBackgroundPass();
    }

    /// <summary>Records a committed write (its pages count towards the next checkpoint).</summary>
    private void NoteWritten()
    {
        if (Interlocked.Increment(ref _uncheckpointed) >= CheckpointEvery) StartBackgroundPass();
    }

    private void StartBackgroundPass()
    {
        if (Interlocked.CompareExchange(ref _indexing, 1, 0) != 0) return;
        _indexTask = Task.Run(BackgroundPassAsync);
    }

    /// <summary>Indexes what is pending in small transactions and checkpoints the write-ahead log, both off the append path; runs
    /// again while appends keep coming, so what a search finds pending stays small.</summary>
    private async Task BackgroundPassAsync()
    {
        try
        {
            while (true)
            {
                int batch = BackgroundIndexBatch;
                bool index = batch > 0 && Interlocked.Exchange(ref _unindexed, 0) > 0;
                long unmerged = Interlocked.Exchange(ref _unmerged, 0);
                if (index || unmerged > 0)
                {
                    // One small transaction per round, indexing and merging together (an append waits for at most one of them); it
                    // writes derived data only, so in durable mode it commits without its own fsync (see RunAsync). What is left
                    // counts towards the next round, so checkpointing gets its turn even when appends outpace indexing.
                    long chunk = index ? BackgroundChunk : 0;
                    long indexed = await RunAsync(write: true, null, "index", lease => IndexAndMerge(lease, chunk, unmerged), CancellationToken.None, derived: true).ConfigureAwait(false);
                    if (index && indexed == BackgroundChunk) Interlocked.Add(ref _unindexed, batch);
                }

                if (Volatile.Read(ref _uncheckpointed) >= CheckpointEvery)
                {
                    Interlocked.Exchange(ref _uncheckpointed, 0);
                    await CheckpointAsync().ConfigureAwait(false);
                }

                if ((batch <= 0 || Volatile.Read(ref _unindexed) < batch) && Volatile.Read(ref _unmerged) < MergeEvery && Volatile.Read(ref _uncheckpointed) < CheckpointEvery)
                {
                    return;
                }
            }
        }
        catch (Exception ex)
        {
            // Whatever failed (a full disk, a store disposed meanwhile), the next pass or the next search indexes what is still
            // pending: nothing is lost by a failed pass, and nothing is thrown on a thread no caller awaits.
            SqliteStorageLog.IndexingDeferred(_logger, _dataSource, ex.Message);
        }
        finally
        {
            Volatile.Write(ref _indexing, 0);
        }
    }

    /// <summary>Copies committed pages from the write-ahead log into the database (<c>PASSIVE</c>) off the append path: first while
    /// appends go on (most of the copying), then once more holding the write gate, so the checkpoint completes and the next write
    /// starts the log over (a checkpoint that never catches up with a stream of appends would let the log grow without bound).
    /// The connections run with <c>wal_autocheckpoint = 0</c>, so no append copies pages itself.</summary>
    private async ValueTask CheckpointAsync()
    {
        if (_inMemory) return;
        RunCheckpoint();
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            RunCheckpoint();
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private void RunCheckpoint()
    {
        var lease = _pool.Rent();
        bool broken = false;
        try
        {
            lease.Command("PRAGMA wal_checkpoint(PASSIVE)").ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            broken = true; // best effort: a later pass, or the last connection's close, checkpoints
        }
        finally
        {
            _pool.Return(lease, broken);
        }
    }

    /// <summary>Completes when no background pass is running (for tests and diagnostics).</summary>
    /// <returns>A task that completes when the background work started so far is done.</returns>
    internal async Task WhenIdleAsync()
    {
        while (Volatile.Read(ref _indexing) != 0)
        {
            var pass = _indexTask;
            if (pass.IsCompleted) await Task.Delay(1).ConfigureAwait(false); // the pass starting now has not published its task yet
            else await pass.ConfigureAwait(false);
        }
    }

    /// <summary>Waits for a running background pass (on dispose), so it never runs on a closed pool.</summary>
    private void WaitForIndexing()
    {
        _indexTask.GetAwaiter().GetResult(); // never faults: the pass catches and logs its own failures
    }
}
