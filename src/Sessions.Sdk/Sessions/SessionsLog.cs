using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>Source-generated log messages of the session runtime; event ids are stable.</summary>
internal static partial class SessionsLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Created session {SessionId} ({MessageCount} messages)")]
    public static partial void SessionCreated(ILogger logger, string sessionId, long messageCount);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Opened session {SessionId} ({MessageCount} messages)")]
    public static partial void SessionOpened(ILogger logger, string sessionId, long messageCount);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Deleted session {SessionId}")]
    public static partial void SessionDeleted(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Branched session {SessionId} from {ParentSessionId} at message {Sequence}")]
    public static partial void SessionBranched(ILogger logger, string sessionId, string parentSessionId, long sequence);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Debug, Message = "Model call for session {SessionId} to {ProviderName}/{ModelId} completed in {LatencyMs} ms ({InputTokens} in, {OutputTokens} out)")]
    public static partial void ModelCallCompleted(ILogger logger, string sessionId, string providerName, string? modelId, double latencyMs, long inputTokens, long outputTokens);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Model call for session {SessionId} to {ProviderName}/{ModelId} failed after {LatencyMs} ms")]
    public static partial void ModelCallFailed(ILogger logger, Exception exception, string sessionId, string providerName, string? modelId, double latencyMs);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Debug, Message = "Model call for session {SessionId} was cancelled; no reply stored")]
    public static partial void ModelCallCancelled(ILogger logger, string sessionId);
}
