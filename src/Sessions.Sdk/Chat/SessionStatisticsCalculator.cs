using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Computes <see cref="SessionStatistics"/> by reading a session's messages in pages, never all at once.</summary>
internal static class SessionStatisticsCalculator
{
    public const int DefaultPageSize = 500;

    public static ValueTask<SessionStatistics> ComputeAsync(
        ISessionStorage storage, SessionInfo session, int pageSize = DefaultPageSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(session);
        return ComputeAsync((range, ct) => storage.GetMessagesAsync(session.Id, range, ct), session, pageSize, cancellationToken);
    }

    /// <summary>Computes statistics from a page reader (a session's own reader includes its unsaved messages).</summary>
    public static async ValueTask<SessionStatistics> ComputeAsync(
        Func<MessageRange, CancellationToken, ValueTask<IReadOnlyList<SessionMessage>>> readPage, SessionInfo session, int pageSize = DefaultPageSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readPage);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var byRole = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        var models = new List<string>();
        long count = 0, chars = 0, toolCalls = 0, latencyCount = 0;
        TimeSpan latencySum = TimeSpan.Zero;
        DateTimeOffset? first = null, last = null;
        for (int skip = 0; ; skip += pageSize)
        {
            var page = await readPage(MessageRange.Slice(skip, pageSize), cancellationToken).ConfigureAwait(false);
            foreach (var message in page)
            {
                count++;
                string role = message.Role.Value;
                byRole[role] = byRole.TryGetValue(role, out long n) ? n + 1 : 1;
                foreach (var content in message.Message.Contents)
                {
                    if (content is TextContent text)
                    {
                        chars += text.Text?.Length ?? 0;
                    }
                    else if (content is FunctionCallContent)
                    {
                        toolCalls++;
                    }
                }

                if (message.ModelId is { } model && !models.Contains(model, StringComparer.Ordinal))
                {
                    models.Add(model);
                }

                if (message.Latency is { } latency && message.Role == ChatRole.Assistant)
                {
                    latencySum += latency;
                    latencyCount++;
                }

                first ??= message.Timestamp;
                last = message.Timestamp;
            }

            if (page.Count < pageSize)
            {
                break;
            }
        }

        return new SessionStatistics
        {
            SessionId = session.Id,
            MessageCount = count,
            MessagesByRole = byRole,
            TotalCharacters = chars,
            AverageCharactersPerMessage = count == 0 ? 0 : (double)chars / count,
            ToolCallCount = toolCalls,
            ModelsUsed = models,
            Usage = session.Usage,
            AverageResponseTime = latencyCount == 0 ? null : latencySum / latencyCount,
            FirstMessageAt = first,
            LastMessageAt = last,
            Duration = first is { } f && last is { } l ? l - f : TimeSpan.Zero,
        };
    }
}
