using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>Log messages of trash, bulk delete, retention, merge and templates (event ids 5100-5199).</summary>
internal static partial class ManagementLog
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Moved session {SessionId} to the trash")]
    public static partial void Trashed(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Restored session {SessionId} from the trash")]
    public static partial void Restored(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Purged session {SessionId} from the trash")]
    public static partial void Purged(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 5110, Level = LogLevel.Information, Message = "Retention{DryRun}: trashing session {SessionId}, idle since {UpdatedAt:O}")]
    public static partial void RetentionTrash(ILogger logger, string dryRun, string sessionId, DateTimeOffset updatedAt);

    [LoggerMessage(EventId = 5111, Level = LogLevel.Information, Message = "Retention{DryRun}: purging session {SessionId}, in the trash since {TrashedAt:O}")]
    public static partial void RetentionPurge(ILogger logger, string dryRun, string sessionId, DateTimeOffset trashedAt);

    [LoggerMessage(EventId = 5112, Level = LogLevel.Information, Message = "Retention{DryRun} done: {Trashed} sessions trashed, {Purged} purged")]
    public static partial void RetentionDone(ILogger logger, string dryRun, int trashed, int purged);

    [LoggerMessage(EventId = 5113, Level = LogLevel.Error, Message = "Retention run failed; the next run retries")]
    public static partial void RetentionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5120, Level = LogLevel.Information, Message = "Merged sessions {Sources} into {SessionId} ({MessageCount} messages)")]
    public static partial void Merged(ILogger logger, string sources, string sessionId, int messageCount);
}
