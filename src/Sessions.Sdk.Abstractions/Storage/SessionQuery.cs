namespace Sessions.Sdk;

/// <summary>Filters, orders and pages a session listing; every filter set must match.</summary>
/// <remarks>Ties are broken by session id, ascending, so paging is stable.</remarks>
public sealed record SessionQuery
{
    /// <summary>Gets a query that lists every session, most recently updated first.</summary>
    public static SessionQuery All { get; } = new();

    /// <summary>Gets text the title must contain (ordinal, ignoring case).</summary>
    public string? TitleContains { get; init; }

    /// <summary>Gets a tag the session must carry (ordinal, ignoring case).</summary>
    public string? Tag { get; init; }

    /// <summary>Gets the kind the session must have.</summary>
    public SessionKind? Kind { get; init; }

    /// <summary>Gets the provider name the session must use (ordinal, ignoring case).</summary>
    public string? ProviderName { get; init; }

    /// <summary>Gets the model the session must use (ordinal, ignoring case).</summary>
    public string? ModelId { get; init; }

    /// <summary>Gets the inclusive lower bound of the creation time.</summary>
    public DateTimeOffset? CreatedAfter { get; init; }

    /// <summary>Gets the exclusive upper bound of the creation time.</summary>
    public DateTimeOffset? CreatedBefore { get; init; }

    /// <summary>Gets the inclusive lower bound of the last update time.</summary>
    public DateTimeOffset? UpdatedAfter { get; init; }

    /// <summary>Gets the exclusive upper bound of the last update time.</summary>
    public DateTimeOffset? UpdatedBefore { get; init; }

    /// <summary>Gets a metadata key the session must have.</summary>
    public string? MetadataKey { get; init; }

    /// <summary>Gets the value <see cref="MetadataKey"/> must have (ordinal); any value when <see langword="null"/>.</summary>
    public string? MetadataValue { get; init; }

    /// <summary>Gets the field to order by.</summary>
    /// <value>The default value is <see cref="SessionSortField.UpdatedAt"/>.</value>
    public SessionSortField OrderBy { get; init; } = SessionSortField.UpdatedAt;

    /// <summary>Gets a value indicating whether to order descending.</summary>
    /// <value>The default value is <see langword="true"/> (newest first).</value>
    public bool Descending { get; init; } = true;

    /// <summary>Gets how many matching sessions to skip.</summary>
    /// <value>The default value is 0; never negative.</value>
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

    /// <summary>Gets how many sessions to return at most; <see langword="null"/> for all.</summary>
    /// <value>The default value is <see langword="null"/>; otherwise 0 or more.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int? Take
    {
        get;
        init
        {
            if (value is { } take)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(take, nameof(Take));
            }

            field = value;
        }
    }
}
