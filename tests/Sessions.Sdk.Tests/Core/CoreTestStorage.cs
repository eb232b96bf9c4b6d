using System.Runtime.CompilerServices;

namespace Sessions.Sdk.Tests;

/// <summary>A small in-memory ISessionStorage for the core tests that counts what is read and can run a hook before appends.</summary>
internal sealed class CoreTestStorage : ISessionStorage, ISessionSearch
{
    private readonly object _gate = new();
    private readonly Dictionary<string, (SessionInfo Info, List<SessionMessage> Messages)> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private long _messagesRead;

    public CoreTestStorage(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>Gets how many messages GetMessagesAsync has returned in total.</summary>
    public long MessagesRead => Interlocked.Read(ref _messagesRead);

    /// <summary>Gets or sets a hook run (outside the lock) before every append.</summary>
    public Func<string, IReadOnlyList<SessionMessage>, Task>? BeforeAppend { get; set; }

    public int AppendCalls { get; private set; }

    public int UpdateCalls { get; private set; }

    public void ResetCounters()
    {
        Interlocked.Exchange(ref _messagesRead, 0);
        AppendCalls = 0;
        UpdateCalls = 0;
    }

    /// <summary>Returns every stored message of a session without touching the counters.</summary>
    public IReadOnlyList<SessionMessage> Snapshot(string sessionId)
    {
        lock (_gate)
        {
            return _sessions.TryGetValue(sessionId, out var s) ? [.. s.Messages] : [];
        }
    }

    public ValueTask<SessionInfo> CreateAsync(SessionInfo session, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(session.Id, nameof(session));
        lock (_gate)
        {
            if (_sessions.ContainsKey(session.Id)) throw new SessionAlreadyExistsException(session.Id);
            var list = new List<SessionMessage>(messages.Count);
            var usage = SessionUsage.Empty;
            foreach (var m in messages)
            {
                list.Add(m with { Sequence = list.Count + 1 });
                usage = usage.Add(m.Usage);
            }

            var info = session with { MessageCount = list.Count, Usage = usage, Version = 1 };
            _sessions[session.Id] = (info, list);
            return ValueTask.FromResult(info);
        }
    }

    public ValueTask<SessionInfo?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        SessionIds.Validate(sessionId);
        lock (_gate)
        {
            return ValueTask.FromResult(_sessions.TryGetValue(sessionId, out var s) ? s.Info : null);
        }
    }

    public async ValueTask<IReadOnlyList<SessionMessage>> AppendMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default)
    {
        if (BeforeAppend is { } hook) await hook(sessionId, messages);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            AppendCalls++;
            if (!_sessions.TryGetValue(sessionId, out var s)) throw new SessionNotFoundException(sessionId);
            var stored = new List<SessionMessage>(messages.Count);
            var usage = s.Info.Usage;
            foreach (var m in messages)
            {
                var x = m with { Sequence = s.Messages.Count + 1 };
                s.Messages.Add(x);
                stored.Add(x);
                usage = usage.Add(m.Usage);
            }

            _sessions[sessionId] = (s.Info with { MessageCount = s.Messages.Count, Usage = usage, UpdatedAt = _time.GetUtcNow() }, s.Messages);
            return stored;
        }
    }

    public ValueTask<IReadOnlyList<SessionMessage>> GetMessagesAsync(string sessionId, MessageRange range, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_sessions.TryGetValue(sessionId, out var s)) throw new SessionNotFoundException(sessionId);
            var (start, length) = range.Resolve(s.Messages.Count);
            IReadOnlyList<SessionMessage> result = s.Messages.GetRange((int)start, (int)length);
            Interlocked.Add(ref _messagesRead, result.Count);
            return ValueTask.FromResult(result);
        }
    }

    public ValueTask<SessionInfo> UpdateAsync(SessionInfo session, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            UpdateCalls++;
            if (!_sessions.TryGetValue(session.Id, out var s)) throw new SessionNotFoundException(session.Id);
            if (s.Info.Version != session.Version) throw new SessionConcurrencyException(session.Id, session.Version, s.Info.Version);
            var info = session with
            {
                MessageCount = s.Info.MessageCount,
                Usage = s.Info.Usage,
                CreatedAt = s.Info.CreatedAt,
                UpdatedAt = _time.GetUtcNow(),
                Version = s.Info.Version + 1,
            };
            _sessions[session.Id] = (info, s.Messages);
            return ValueTask.FromResult(info);
        }
    }

    public ValueTask<SessionInfo> ReplaceMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, long expectedVersion, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_sessions.TryGetValue(sessionId, out var s)) throw new SessionNotFoundException(sessionId);
            if (s.Info.Version != expectedVersion) throw new SessionConcurrencyException(sessionId, expectedVersion, s.Info.Version);
            var list = messages.Select((m, i) => m with { Sequence = i + 1 }).ToList();
            var info = s.Info with { MessageCount = list.Count, Version = s.Info.Version + 1, UpdatedAt = _time.GetUtcNow() };
            _sessions[sessionId] = (info, list);
            return ValueTask.FromResult(info);
        }
    }

    public ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_sessions.Remove(sessionId));
        }
    }

    public ValueTask<bool> ExistsAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_sessions.ContainsKey(sessionId));
        }
    }

    public async IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<SessionInfo> all;
        lock (_gate)
        {
            all = [.. _sessions.Values.Select(s => s.Info).Where(query.Matches)];
        }

        foreach (var info in query.OrderAndPage(all))
        {
            await Task.Yield();
            yield return info;
        }
    }

    public async IAsyncEnumerable<SessionSearchHit> SearchAsync(SessionSearchQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<(SessionInfo Info, SessionMessage Message)> hits;
        lock (_gate)
        {
            hits = [.. _sessions.Values.SelectMany(s => s.Messages.Where(m => m.Text.Contains(query.Text, StringComparison.OrdinalIgnoreCase)).Select(m => (s.Info, m)))];
        }

        foreach (var (info, message) in hits)
        {
            await Task.Yield();
            yield return new SessionSearchHit { SessionId = info.Id, SessionTitle = info.Title, Sequence = message.Sequence, Snippet = message.Text };
        }
    }
}
