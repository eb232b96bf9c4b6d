using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>Source-generated logs of the chat pipeline (resilience and context policies); event ids 2000-2099 are stable. Model calls and tools are logged by M.E.AI's LoggingChatClient and FunctionInvokingChatClient.</summary>
internal static partial class ChatLog
{
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

    [LoggerMessage(2031, LogLevel.Warning, "Summarizing the older context failed; the messages are sent unsummarized.")]
    public static partial void SummarizationFailed(ILogger logger, Exception exception);
}
