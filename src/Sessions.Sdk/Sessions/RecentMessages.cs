using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>The newest stored messages of one session as one writer knows them: a ring buffer that is valid only while contiguous with the store's tail.</summary>
/// <remarks>
/// Not thread-safe (<see cref="SessionWriter"/> locks around it). It starts invalid; <see cref="Reset"/> fills it from a read of the
/// newest messages, and <see cref="Append"/> continues it only when the stored sequences follow on from its last one, so an append
/// by another writer in between (a gap in the sequences) or a replacement (sequences restart) drops it.
/// </remarks>
internal sealed class RecentMessages
{
    private SessionMessage[] _buffer = [];
    private int _start;
    private int _count;
    private long _lastSequence;
    private long _epoch;
    private bool _valid;

    /// <summary>Gets the number of cached messages.</summary>
    public int Count => _valid ? _count : 0;

    /// <summary>Returns whether the newest <paramref name="count"/> messages (or the whole session when it has fewer) are cached and the store's epoch (<see cref="StorageEpochs"/>) is still the one they were read under.</summary>
    public bool Covers(int count, long epoch) => _valid && _epoch == epoch && (_count >= count || _lastSequence - _count == 0);

    /// <summary>Copies the newest <paramref name="count"/> cached messages, oldest first.</summary>
    public void CopyNewest(int count, SessionMessage[] destination)
    {
        int capacity = _buffer.Length;
        int first = _start + _count - count;
        for (int i = 0; i < count; i++)
        {
            destination[i] = _buffer[(first + i) % capacity];
        }
    }

    /// <summary>Refills the cache from a read of the newest <paramref name="window"/> messages (all of them when fewer came back), made under <paramref name="epoch"/>.</summary>
    public void Reset(IReadOnlyList<SessionMessage> messages, int window, long epoch)
    {
        _valid = false;
        _epoch = epoch;
        _start = 0;
        _count = 0;
        if (window < 1 || messages.Count > window)
        {
            return;
        }

        if (_buffer.Length < window)
        {
            _buffer = new SessionMessage[window];
        }

        long previous = messages.Count == 0 ? 0 : messages[0].Sequence - 1;

        // Fewer than asked for means the whole session: it must start at sequence 1, or the store numbers in a way the cache cannot follow.
        if (messages.Count < window && previous != 0)
        {
            return;
        }

        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not { } message || message.Sequence != previous + 1)
            {
                _count = 0;
                return;
            }

            _buffer[i] = message;
            previous = message.Sequence;
        }

        _count = messages.Count;
        _lastSequence = previous;
        _valid = true;
    }

    /// <summary>Continues the cache with messages just stored (<paramref name="stored"/>, as the store returned <paramref name="appended"/>).</summary>
    /// <remarks>
    /// A stored message that still holds the caller's <see cref="ChatMessage"/> is kept as a shallow snapshot, so a caller that later
    /// changes its object does not change the context of later turns (a store that returns its own copies needs none).
    /// </remarks>
    public void Append(IReadOnlyList<SessionMessage> appended, IReadOnlyList<SessionMessage> stored)
    {
        if (!_valid || stored.Count == 0)
        {
            return;
        }

        int capacity = _buffer.Length;
        for (int i = 0; i < stored.Count; i++)
        {
            var message = stored[i];
            if (message.Sequence != _lastSequence + 1)
            {
                // Another writer appended (or replaced the messages) since this cache was filled.
                Invalidate();
                return;
            }

            if (i < appended.Count && ReferenceEquals(message.Message, appended[i].Message))
            {
                message = message with { Message = Snapshot(message.Message) };
            }

            if (_count < capacity)
            {
                _buffer[(_start + _count) % capacity] = message;
                _count++;
            }
            else
            {
                _buffer[_start] = message;
                _start = (_start + 1) % capacity;
            }

            _lastSequence = message.Sequence;
        }
    }

    /// <summary>Drops the cache; the next context is read from storage.</summary>
    public void Invalidate()
    {
        _valid = false;
        Array.Clear(_buffer);
        _start = 0;
        _count = 0;
    }

    private static ChatMessage Snapshot(ChatMessage original)
    {
        var clone = original.Clone();
        clone.Contents = [.. original.Contents];
        clone.AdditionalProperties = original.AdditionalProperties?.Clone();
        return clone;
    }
}
