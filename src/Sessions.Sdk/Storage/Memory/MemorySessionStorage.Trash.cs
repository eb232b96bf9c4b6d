using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Sessions.Sdk;

/// <summary>The trash: trashed entries move, unchanged, from the live dictionary to the trash dictionary.</summary>
internal sealed partial class MemorySessionStorage : ISessionTrash
{
    // Creating, trashing, restoring and purging take this lock so an id is never both live and trashed.
    private readonly Lock _structure = new();
    private readonly ConcurrentDictionary<string, (Entry Entry, DateTimeOffset TrashedAt)> _trash = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public ValueTask<bool> TrashAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_structure)
        {
            if (!_sessions.TryRemove(sessionId, out var entry)) return ValueTask.FromResult(false);
            lock (entry) entry.Deleted = true;
            _trash[sessionId] = (entry, _timeProvider.GetUtcNow());
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<TrashedSession> ListTrashAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var trashed = _trash.Values
            .Select(t => new TrashedSession { Session = t.Entry.Info, TrashedAt = t.TrashedAt })
            .OrderByDescending(t => t.TrashedAt)
            .ThenBy(t => t.Session.Id, StringComparer.Ordinal)
            .ToList();
        foreach (var t in trashed)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return t;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask<bool> RestoreAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_structure)
        {
            if (!_trash.TryGetValue(sessionId, out var trashed)) return ValueTask.FromResult(false);
            if (_sessions.ContainsKey(sessionId)) throw new SessionAlreadyExistsException(sessionId);
            lock (trashed.Entry) trashed.Entry.Deleted = false;
            _sessions[sessionId] = trashed.Entry;
            _trash.TryRemove(sessionId, out _);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> PurgeAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_structure)
        {
            return ValueTask.FromResult(_trash.TryRemove(sessionId, out _));
        }
    }

    /// <summary>Adds a new live session unless the id is live or in the trash.</summary>
    private bool TryAddLive(string sessionId, Entry entry)
    {
        lock (_structure)
        {
            return !_trash.ContainsKey(sessionId) && _sessions.TryAdd(sessionId, entry);
        }
    }
}
