namespace Sessions.Sdk;

/// <summary>Selects a contiguous range of a session's messages, counted from the start or from the end.</summary>
/// <remarks>Messages are always returned in chronological (sequence) order, whichever end the range counts from.</remarks>
public readonly record struct MessageRange
{
    /// <summary>Initializes a range that skips <paramref name="skip"/> messages and takes at most <paramref name="take"/>.</summary>
    /// <param name="skip">How many messages to skip from the chosen end.</param>
    /// <param name="take">How many messages to return at most; <see langword="null"/> for all remaining.</param>
    /// <param name="fromEnd">Whether to count from the newest message backwards.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="skip"/> or <paramref name="take"/> is negative.</exception>
    public MessageRange(int skip, int? take, bool fromEnd = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        if (take is { } t)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(t, nameof(take));
        }

        Skip = skip;
        Take = take;
        FromEnd = fromEnd;
    }

    /// <summary>Gets a range holding every message.</summary>
    public static MessageRange All => default;

    /// <summary>Gets how many messages to skip from the chosen end.</summary>
    public int Skip { get; }

    /// <summary>Gets how many messages to return at most; <see langword="null"/> for all remaining.</summary>
    public int? Take { get; }

    /// <summary>Gets a value indicating whether the range counts from the newest message backwards.</summary>
    public bool FromEnd { get; }

    /// <summary>Creates a range of the first <paramref name="count"/> messages.</summary>
    /// <param name="count">How many messages.</param>
    /// <returns>The range.</returns>
    public static MessageRange First(int count) => new(0, count);

    /// <summary>Creates a range of the last <paramref name="count"/> messages.</summary>
    /// <param name="count">How many messages.</param>
    /// <returns>The range.</returns>
    public static MessageRange Last(int count) => new(0, count, fromEnd: true);

    /// <summary>Creates a range that skips <paramref name="skip"/> messages from the start and takes <paramref name="take"/>.</summary>
    /// <param name="skip">How many messages to skip.</param>
    /// <param name="take">How many messages to return at most.</param>
    /// <returns>The range.</returns>
    public static MessageRange Slice(int skip, int take) => new(skip, take);

    /// <summary>Resolves the range against a session of <paramref name="count"/> messages.</summary>
    /// <param name="count">The session's message count.</param>
    /// <returns>The zero-based start index and the number of messages selected.</returns>
    public (long Start, long Length) Resolve(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        long available = Math.Max(0, count - Skip);
        long length = Take is { } t ? Math.Min(t, available) : available;
        long start = FromEnd ? available - length : Math.Min(Skip, count);
        return (start, length);
    }
}
