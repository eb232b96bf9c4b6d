using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>Source-generated log messages of the Anthropic provider.</summary>
internal static partial class AnthropicLog
{
    [LoggerMessage(EventId = 3200, Level = LogLevel.Debug, Message = "Chat provider '{ProviderName}' created a client for model '{ModelId}' at {BaseUrl}.")]
    public static partial void ClientCreated(ILogger logger, string providerName, string modelId, Uri baseUrl);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Debug, Message = "Chat provider '{ProviderName}' call to model '{ModelId}' failed (status {StatusCode}, transient {IsTransient}).")]
    public static partial void CallFailed(ILogger logger, string providerName, string modelId, int? statusCode, bool isTransient);
}
