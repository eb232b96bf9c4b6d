namespace Sessions.Sdk;

/// <summary>Describes a full-text search: words to find, filters on the sessions searched, and paging.</summary>
public sealed record SessionSearchQuery
{
    /// <summary>Gets the words to find; every word must occur (case-insensitive, prefix match on the last word).</summary>
    public required string Text { get; init; }

    /// <summary>Gets tags of which the session must carry every one.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Gets the kind the session must have.</summary>
    public SessionKind? Kind { get; init; }

    /// <summary>Gets the provider name the session must use.</summary>
    public string? ProviderName { get; init; }

    /// <summary>Gets the inclusive lower bound of the message (or session) time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Gets the exclusive upper bound of the message (or session) time.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Gets a value indicating whether session titles are searched too.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool IncludeTitles { get; init; } = true;

    /// <summary>Gets the marker written before each matched term in snippets.</summary>
    /// <value>The default value is <c>[</c>.</value>
    public string HighlightStart { get; init; } = "[";

    /// <summary>Gets the marker written after each matched term in snippets.</summary>
    /// <value>The default value is <c>]</c>.</value>
    public string HighlightEnd { get; init; } = "]";

    /// <summary>Gets how many hits to skip.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int Skip
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(Skip));
            field = value;
        }
    }

    /// <summary>Gets how many hits to return at most.</summary>
    /// <value>The default value is 20.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int Take
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(Take));
            field = value;
        }
    } = 20;
}
