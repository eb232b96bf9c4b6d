namespace Sessions.Sdk;

/// <summary>Names the field sessions are ordered by when listed.</summary>
public enum SessionSortField
{
    /// <summary>Order by last update time.</summary>
    UpdatedAt,

    /// <summary>Order by creation time.</summary>
    CreatedAt,

    /// <summary>Order by title (ordinal, ignoring case).</summary>
    Title,

    /// <summary>Order by number of messages.</summary>
    MessageCount,
}
