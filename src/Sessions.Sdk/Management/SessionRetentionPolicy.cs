namespace Sessions.Sdk;

/// <summary>An opt-in retention policy: move idle sessions to the trash, purge sessions that have been in the trash long enough.</summary>
/// <remarks>Nothing is ever deleted by default: a policy acts only when applied with <c>ApplyRetentionAsync</c> or registered with <c>AddSessionRetention</c>.</remarks>
public sealed class SessionRetentionPolicy
{
    /// <summary>Gets or sets how long a session may go without an update before it is moved to the trash; <see langword="null"/> never trashes.</summary>
    public TimeSpan? TrashAfterIdle { get; set; }

    /// <summary>Gets or sets how long a session stays in the trash before it is purged; <see langword="null"/> never purges.</summary>
    public TimeSpan? PurgeTrashedAfter { get; set; }

    /// <summary>Gets or sets which sessions <see cref="TrashAfterIdle"/> applies to (for example a tag); <see langword="null"/> for all. Its time filters, order and paging are ignored.</summary>
    public SessionQuery? Scope { get; set; }

    /// <summary>Gets or sets how often the background service applies the policy.</summary>
    /// <value>The default value is one hour.</value>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Returns the problems that make this policy unusable.</summary>
    /// <returns>The problems; empty when it is valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (TrashAfterIdle is null && PurgeTrashedAfter is null) problems.Add("Set TrashAfterIdle, PurgeTrashedAfter or both: a retention policy with neither does nothing.");
        if (TrashAfterIdle is { } idle && idle <= TimeSpan.Zero) problems.Add($"TrashAfterIdle must be positive (was {idle}).");
        if (PurgeTrashedAfter is { } purge && purge < TimeSpan.Zero) problems.Add($"PurgeTrashedAfter must not be negative (was {purge}).");
        if (Interval <= TimeSpan.Zero) problems.Add($"Interval must be positive (was {Interval}).");
        return problems;
    }
}

/// <summary>What a retention run did (or, in a dry run, would do).</summary>
public sealed record SessionRetentionResult
{
    /// <summary>Gets a value indicating whether this was a dry run (nothing changed).</summary>
    public bool DryRun { get; init; }

    /// <summary>Gets the sessions moved to the trash.</summary>
    public required IReadOnlyList<SessionInfo> Trashed { get; init; }

    /// <summary>Gets the trashed sessions purged.</summary>
    public required IReadOnlyList<TrashedSession> Purged { get; init; }
}
