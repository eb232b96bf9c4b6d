namespace Sessions.Sdk;

/// <summary>A sparse position → byte offset index of one session's journal, kept in memory, so a forward range read seeks to
/// the first wanted record instead of scanning the journal from its start.</summary>
/// <remarks>
/// Records every <see cref="Stride"/>-th message's offset, learned by the forward reads themselves (a read records the points it
/// passes), plus where the last forward read stopped, so reading a session page by page costs one pass over the journal in all.
/// Within one journal generation a complete line never moves or changes (appends only add lines; a torn-tail repair only cuts an
/// incomplete one), so a point stays valid until the journal is replaced, which changes its generation and empties the index.
/// Readers still check every point they use: the byte before it must end a line and the record there must be intact and carry
/// the expected sequence; otherwise the index is emptied and the read scans from the start. Thread-safe.
/// </remarks>
internal sealed class FileOffsetIndex
{
    /// <summary>How many messages apart the recorded points are.</summary>
    public const int Stride = 64;

    private readonly Lock _gate = new();
    private string? _generation;
    private long[] _points = new long[16];
    private int _count;
    private long _cursorPosition = -1;
    private long _cursorOffset;

    /// <summary>Finds the known point at or before a position.</summary>
    /// <param name="generation">The journal's generation; a different one empties the index.</param>
    /// <param name="position">The 0-based position of the first wanted message.</param>
    /// <param name="start">Where the first message starts (the header's length).</param>
    /// <param name="end">The journal's length; points at or past it are not used.</param>
    /// <returns>The position and offset to scan from (position 0 at <paramref name="start"/> when nothing better is known).</returns>
    public (long Position, long Offset) Seek(string generation, long position, long start, long end)
    {
        lock (_gate)
        {
            if (!string.Equals(_generation, generation, StringComparison.Ordinal))
            {
                Reset(generation);
                return (0, start);
            }

            long k = Math.Min(position / Stride, _count - 1);
            (long Position, long Offset) best = (0, start);
            if (k >= 1 && _points[k] < end) best = (k * Stride, _points[k]);
            if (_cursorPosition >= 0 && _cursorPosition <= position && _cursorPosition > best.Position && _cursorOffset < end)
            {
                best = (_cursorPosition, _cursorOffset);
            }

            return best;
        }
    }

    /// <summary>Records where a message starts, if it is the next stride point the index lacks.</summary>
    public void Record(string generation, long position, long offset)
    {
        if (position % Stride != 0) return;
        lock (_gate)
        {
            if (!string.Equals(_generation, generation, StringComparison.Ordinal)) return;
            long k = position / Stride;
            if (k != _count) return;
            if (_count == _points.Length) Array.Resize(ref _points, _points.Length * 2);
            _points[_count++] = offset;
        }
    }

    /// <summary>Records where the last forward read stopped: the position and offset of the next message.</summary>
    public void SetCursor(string generation, long position, long offset)
    {
        lock (_gate)
        {
            if (!string.Equals(_generation, generation, StringComparison.Ordinal)) return;
            _cursorPosition = position;
            _cursorOffset = offset;
        }
    }

    /// <summary>Forgets every point (a point failed its check, or the journal was replaced).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            Reset(null);
        }
    }

    private void Reset(string? generation)
    {
        _generation = generation;
        _count = 1;
        _points[0] = 0; // position 0 is the header's end, which the caller knows; never read
        _cursorPosition = -1;
    }
}
