using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>Source-generated log messages of the SQLite store (event ids 4100-4199).</summary>
internal static partial class SqliteStorageLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Migrated SQLite session database '{DataSource}' to schema version {Version} ({Name}).")]
    public static partial void Migrated(ILogger logger, string dataSource, int version, string name);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "SQLite session database '{DataSource}' is busy during {Operation}; retry {Attempt} in {DelayMs} ms.")]
    public static partial void BusyRetry(ILogger logger, string dataSource, string operation, int attempt, int delayMs);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "SQLite {Operation} failed on '{DataSource}'.")]
    public static partial void OperationFailed(ILogger logger, Exception exception, string operation, string dataSource);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Debug, Message = "Opened SQLite session database '{DataSource}' in journal mode {JournalMode}.")]
    public static partial void Opened(ILogger logger, string dataSource, string journalMode);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Debug, Message = "Search indexing on '{DataSource}' was deferred to the next pass or search: {Reason}")]
    public static partial void IndexingDeferred(ILogger logger, string dataSource, string reason);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Warning, Message = "Session '{SessionId}' was left out of a listing: {Reason}")]
    public static partial void SkippedDamaged(ILogger logger, string sessionId, string reason);
}
