using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>Source-generated log messages of the PostgreSQL storage.</summary>
internal static partial class PostgreSqlLog
{
    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Applied PostgreSQL schema migration {Version} ({Description}) to schema '{Schema}'.")]
    public static partial void MigrationApplied(ILogger logger, string schema, int version, string description);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Debug, Message = "PostgreSQL schema '{Schema}' is at version {Version}.")]
    public static partial void SchemaReady(ILogger logger, string schema, int version);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "PostgreSQL storage failed to {Action}.")]
    public static partial void OperationFailed(ILogger logger, Exception exception, string action);
}
