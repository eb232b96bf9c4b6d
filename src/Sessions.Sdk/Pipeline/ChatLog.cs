using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>Source-generated logs of the chat pipeline; event ids 2000-2099 are stable. Content is logged only at Trace.</summary>
internal static partial class ChatLog
{
    [LoggerMessage(2001, LogLevel.Debug, "Model call to {ProviderName}/{ModelId} completed in {ElapsedMs} ms ({InputTokens} input, {OutputTokens} output tokens).")]
    public static partial void CallCompleted(ILogger logger, string? providerName, string? modelId, double elapsedMs, long? inputTokens, long? outputTokens);

    [LoggerMessage(2002, LogLevel.Warning, "Model call to {ProviderName}/{ModelId} failed after {ElapsedMs} ms.")]
    public static partial void CallFailed(ILogger logger, string? providerName, string? modelId, double elapsedMs, Exception exception);

    [LoggerMessage(2003, LogLevel.Trace, "Model request to {ProviderName}/{ModelId}: {Messages}")]
    public static partial void CallRequestContent(ILogger logger, string? providerName, string? modelId, string messages);

    [LoggerMessage(2004, LogLevel.Trace, "Model response from {ProviderName}/{ModelId}: {Response}")]
    public static partial void CallResponseContent(ILogger logger, string? providerName, string? modelId, string response);

    [LoggerMessage(2005, LogLevel.Debug, "Model call to {ProviderName}/{ModelId} was cancelled after {ElapsedMs} ms.")]
    public static partial void CallCancelled(ILogger logger, string? providerName, string? modelId, double elapsedMs);

    [LoggerMessage(2010, LogLevel.Warning, "Retrying the model call to {ProviderName} (retry {Attempt}) in {DelayMs} ms after {ErrorType}.")]
    public static partial void Retrying(ILogger logger, string providerName, int attempt, double delayMs, string errorType);

    [LoggerMessage(2011, LogLevel.Error, "Circuit for provider {ProviderName} opened for {BreakMs} ms after repeated failures.")]
    public static partial void CircuitOpened(ILogger logger, string providerName, double breakMs);

    [LoggerMessage(2012, LogLevel.Information, "Circuit for provider {ProviderName} closed.")]
    public static partial void CircuitClosed(ILogger logger, string providerName);

    [LoggerMessage(2013, LogLevel.Warning, "Falling back from provider {ProviderName} to {FallbackProviderName} after {ErrorType}.")]
    public static partial void FallingBack(ILogger logger, string providerName, string fallbackProviderName, string errorType);

    [LoggerMessage(2014, LogLevel.Warning, "Streaming model call to {ProviderName} failed after output was already streamed; it is not retried.")]
    public static partial void StreamFailedAfterOutput(ILogger logger, string providerName, Exception exception);

    [LoggerMessage(2020, LogLevel.Debug, "Invoking tool {ToolName} (call {CallId}).")]
    public static partial void ToolInvoking(ILogger logger, string toolName, string callId);

    [LoggerMessage(2021, LogLevel.Trace, "Invoking tool {ToolName} (call {CallId}) with arguments {Arguments}.")]
    public static partial void ToolInvokingContent(ILogger logger, string toolName, string callId, string arguments);

    [LoggerMessage(2022, LogLevel.Debug, "Tool {ToolName} (call {CallId}) completed in {ElapsedMs} ms.")]
    public static partial void ToolCompleted(ILogger logger, string toolName, string callId, double elapsedMs);

    [LoggerMessage(2023, LogLevel.Trace, "Tool {ToolName} (call {CallId}) returned {Result}.")]
    public static partial void ToolCompletedContent(ILogger logger, string toolName, string callId, string result);

    [LoggerMessage(2024, LogLevel.Warning, "Tool {ToolName} (call {CallId}) failed; the error is reported to the model.")]
    public static partial void ToolFailed(ILogger logger, string toolName, string callId, Exception exception);

    [LoggerMessage(2025, LogLevel.Warning, "The model requested the unknown tool {ToolName} (call {CallId}); the error is reported to the model.")]
    public static partial void ToolNotFound(ILogger logger, string toolName, string callId);

    [LoggerMessage(2026, LogLevel.Warning, "The tool-call limit of {MaxIterations} iterations was reached; the model was asked to answer without tools.")]
    public static partial void ToolIterationLimitReached(ILogger logger, int maxIterations);

    [LoggerMessage(2030, LogLevel.Debug, "Context reduced from {Before} to {After} messages.")]
    public static partial void ContextReduced(ILogger logger, int before, int after);

    [LoggerMessage(2031, LogLevel.Warning, "Summarizing the older context failed; the messages are sent unsummarized.")]
    public static partial void SummarizationFailed(ILogger logger, Exception exception);

    /// <summary>Serializes messages for Trace-level logs only.</summary>
    public static string ToJson(IEnumerable<ChatMessage> messages) =>
        JsonSerializer.Serialize(messages as IList<ChatMessage> ?? messages.ToList(), AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IList<ChatMessage>)));

    /// <summary>Serializes a value for Trace-level logs only.</summary>
    public static string ToJson(object? value)
    {
        if (value is null)
        {
            return "null";
        }

        try
        {
            return JsonSerializer.Serialize(value, AIJsonUtilities.DefaultOptions.GetTypeInfo(value.GetType()));
        }
        catch (NotSupportedException)
        {
            return value.ToString() ?? string.Empty;
        }
    }
}
