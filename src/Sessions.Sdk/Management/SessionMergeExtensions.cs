using System.Globalization;

namespace Sessions.Sdk;

/// <summary>Merges sessions into a new one.</summary>
public static class SessionMergeExtensions
{
    /// <summary>The metadata key listing the merged sessions' ids, comma-separated, in the order given.</summary>
    public const string MergedFromMetadataKey = "sessions.merged-from";

    /// <summary>The metadata key holding when the merge happened (ISO 8601, UTC).</summary>
    public const string MergedAtMetadataKey = "sessions.merged-at";

    /// <summary>Creates a new session holding every message of the sources in time order; the sources are not changed.</summary>
    /// <param name="manager">The session manager.</param>
    /// <param name="sourceSessionIds">The sessions to merge (at least one, no duplicates).</param>
    /// <param name="newSessionId">The new session's id; <see langword="null"/> for a generated one.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The new session, opened.</returns>
    /// <remarks>
    /// Messages are ordered by timestamp; ties keep the order of <paramref name="sourceSessionIds"/>, then each source's own order.
    /// Each message is kept whole (role, contents, timestamp, provider, model, usage, latency, pinned flag), so the new session's usage
    /// is the sum of the messages' usage. The new session takes the first source's system prompt, kind, provider and model, the union
    /// of the sources' tags and metadata (the first source wins a key), and records its provenance under
    /// <see cref="MergedFromMetadataKey"/> and <see cref="MergedAtMetadataKey"/>. It is created in one atomic store call.
    /// </remarks>
    /// <exception cref="ArgumentException">No source, a duplicate, or an invalid id.</exception>
    /// <exception cref="SessionNotFoundException">A source does not exist.</exception>
    /// <exception cref="SessionAlreadyExistsException">A session with <paramref name="newSessionId"/> exists.</exception>
    public static async Task<Session> MergeAsync(this ISessionManager manager, IEnumerable<string> sourceSessionIds, string? newSessionId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(sourceSessionIds);
        var ids = sourceSessionIds.ToList();
        if (ids.Count == 0) throw new ArgumentException("At least one session to merge is needed.", nameof(sourceSessionIds));
        foreach (var id in ids) SessionIds.Validate(id, nameof(sourceSessionIds));
        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count) throw new ArgumentException("A session is listed twice.", nameof(sourceSessionIds));
        if (newSessionId is not null) SessionIds.Validate(newSessionId, nameof(newSessionId));

        var infos = new List<SessionInfo>(ids.Count);
        var messages = new List<SessionMessage>();
        foreach (var id in ids)
        {
            var info = await manager.Storage.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new SessionNotFoundException(id);
            infos.Add(info);
            messages.AddRange(await manager.Storage.GetMessagesAsync(id, MessageRange.All, cancellationToken).ConfigureAwait(false));
        }

        // OrderBy is stable: ties keep source order, then sequence order.
        var merged = messages.OrderBy(m => m.Timestamp).Select(m => m with { Sequence = 0 }).ToList();
        var time = SessionTrashExtensions.TimeOf(manager);
        var now = time.GetUtcNow();
        var first = infos[0];
        var tags = new List<string>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var info in infos)
        {
            foreach (var tag in info.Tags)
            {
                if (!tags.Contains(tag, StringComparer.OrdinalIgnoreCase)) tags.Add(tag);
            }

            foreach (var (key, value) in info.Metadata) metadata.TryAdd(key, value);
        }

        metadata[MergedFromMetadataKey] = string.Join(",", ids);
        metadata[MergedAtMetadataKey] = now.ToString("O", CultureInfo.InvariantCulture);
        var created = new SessionInfo
        {
            Id = newSessionId ?? SessionIds.Create(time),
            Title = first.Title,
            Kind = first.Kind,
            Tags = tags,
            Metadata = metadata,
            SystemPrompt = first.SystemPrompt,
            ProviderName = first.ProviderName,
            ModelId = first.ModelId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await manager.Storage.CreateAsync(created, merged, cancellationToken).ConfigureAwait(false);
        ManagementLog.Merged(SessionTrashExtensions.LoggerOf(manager), metadata[MergedFromMetadataKey], created.Id, merged.Count);
        return await manager.OpenAsync(created.Id, cancellationToken).ConfigureAwait(false);
    }
}
