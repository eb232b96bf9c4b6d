namespace Sessions.Sdk;

/// <summary>Describes a session without its messages: identity, labels, provider, counts, usage and version.</summary>
public sealed record SessionInfo
{
    /// <summary>Gets the session's id (see <see cref="SessionIds"/> for the rules).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the session's title; empty when none was given.</summary>
    public string Title { get; init; } = string.Empty;

    /// <summary>Gets the session's kind.</summary>
    public SessionKind Kind { get; init; } = SessionKind.Chat;

    /// <summary>Gets the session's tags, distinct, in the order they were added.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Gets application-defined string metadata.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = EmptyMetadata;

    /// <summary>Gets the system prompt sent before the history on every model call, if any.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>Gets the name of the chat provider the session uses; <see langword="null"/> for the default.</summary>
    public string? ProviderName { get; init; }

    /// <summary>Gets the model the session uses; <see langword="null"/> for the provider's default.</summary>
    public string? ModelId { get; init; }

    /// <summary>Gets the id of the session this one was branched from, if any.</summary>
    public string? ParentSessionId { get; init; }

    /// <summary>Gets the sequence of the parent's message this session was branched at, if any.</summary>
    public long? BranchedAtSequence { get; init; }

    /// <summary>Gets the number of messages stored; maintained by storage.</summary>
    public long MessageCount { get; init; }

    /// <summary>Gets when the session was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the session or its messages last changed; maintained by storage.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Gets the approximate size of the stored session in bytes; maintained by storage, 0 when unknown.</summary>
    public long SizeBytes { get; init; }

    /// <summary>Gets the usage accumulated by every message ever appended; maintained by storage.</summary>
    /// <remarks>Clearing or truncating messages keeps the accumulated usage: it is spend, not history.</remarks>
    public SessionUsage Usage { get; init; } = SessionUsage.Empty;

    /// <summary>Gets the optimistic-concurrency version of the session's metadata; maintained by storage.</summary>
    /// <remarks>Metadata updates and message replacement increment it; appends do not (they are merged).</remarks>
    public long Version { get; init; }

    internal static IReadOnlyDictionary<string, string> EmptyMetadata { get; } =
        new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string>(StringComparer.Ordinal));
}
