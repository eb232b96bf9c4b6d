using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>The stores the core tests run against.</summary>
public enum CoreStoreKind
{
    /// <summary>The in-memory store.</summary>
    Memory,

    /// <summary>The file store in a temporary directory.</summary>
    File,
}

/// <summary>Wraps a real store (memory or file) for the core tests: counts what is read and can run a hook before appends.</summary>
internal sealed class CoreTestStorage : ISessionStorage, ISessionSearch, ISessionTrash, IDisposable
{
    private readonly ISessionStorage _inner;
    private readonly string? _directory;
    private long _messagesRead;

    public CoreTestStorage(CoreStoreKind kind = CoreStoreKind.Memory, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        if (kind == CoreStoreKind.File)
        {
            _directory = Path.Combine(Path.GetTempPath(), "sessions-core-tests-" + Guid.NewGuid().ToString("N"));
            _inner = new FileSessionStorage(new FileStorageOptions { Directory = _directory }, time, NullLogger.Instance);
        }
        else
        {
            _inner = new MemorySessionStorage(time);
        }
    }

    /// <summary>Gets how many messages GetMessagesAsync has returned in total.</summary>
    public long MessagesRead => Interlocked.Read(ref _messagesRead);

    /// <summary>Gets or sets a hook run before every append.</summary>
    public Func<string, IReadOnlyList<SessionMessage>, Task>? BeforeAppend { get; set; }

    public void ResetCounters() => Interlocked.Exchange(ref _messagesRead, 0);

    /// <summary>Returns every stored message of a session without touching the counters.</summary>
    public IReadOnlyList<SessionMessage> Snapshot(string sessionId) =>
        _inner.GetMessagesAsync(sessionId, MessageRange.All).AsTask().GetAwaiter().GetResult();

    public ValueTask<SessionInfo> CreateAsync(SessionInfo session, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default) =>
        _inner.CreateAsync(session, messages, cancellationToken);

    public ValueTask<SessionInfo?> GetAsync(string sessionId, CancellationToken cancellationToken = default) => _inner.GetAsync(sessionId, cancellationToken);

    public async ValueTask<IReadOnlyList<SessionMessage>> AppendMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default)
    {
        if (BeforeAppend is { } hook) await hook(sessionId, messages);
        return await _inner.AppendMessagesAsync(sessionId, messages, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<SessionMessage>> GetMessagesAsync(string sessionId, MessageRange range, CancellationToken cancellationToken = default)
    {
        var result = await _inner.GetMessagesAsync(sessionId, range, cancellationToken);
        Interlocked.Add(ref _messagesRead, result.Count);
        return result;
    }

    public ValueTask<SessionInfo> UpdateAsync(SessionInfo session, CancellationToken cancellationToken = default) => _inner.UpdateAsync(session, cancellationToken);

    public ValueTask<SessionInfo> ReplaceMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, long expectedVersion, CancellationToken cancellationToken = default) =>
        _inner.ReplaceMessagesAsync(sessionId, messages, expectedVersion, cancellationToken);

    public ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default) => _inner.DeleteAsync(sessionId, cancellationToken);

    public ValueTask<bool> TrashAsync(string sessionId, CancellationToken cancellationToken = default) => ((ISessionTrash)_inner).TrashAsync(sessionId, cancellationToken);

    public IAsyncEnumerable<TrashedSession> ListTrashAsync(CancellationToken cancellationToken = default) => ((ISessionTrash)_inner).ListTrashAsync(cancellationToken);

    public ValueTask<bool> RestoreAsync(string sessionId, CancellationToken cancellationToken = default) => ((ISessionTrash)_inner).RestoreAsync(sessionId, cancellationToken);

    public ValueTask<bool> PurgeAsync(string sessionId, CancellationToken cancellationToken = default) => ((ISessionTrash)_inner).PurgeAsync(sessionId, cancellationToken);

    public ValueTask<bool> ExistsAsync(string sessionId, CancellationToken cancellationToken = default) => _inner.ExistsAsync(sessionId, cancellationToken);

    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default) => _inner.ListAsync(query, cancellationToken);

    public IAsyncEnumerable<SessionSearchHit> SearchAsync(SessionSearchQuery query, CancellationToken cancellationToken = default) =>
        (_inner as ISessionSearch ?? new ScanningSessionSearch(_inner)).SearchAsync(query, cancellationToken);

    public void Dispose()
    {
        (_inner as IDisposable)?.Dispose();
        if (_directory is not null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
