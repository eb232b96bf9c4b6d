using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>Source-generated log messages of the OpenAI provider.</summary>
internal static partial class OpenAILog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Debug, Message = "Chat provider '{ProviderName}' created a client for model '{ModelId}' at {Endpoint}.")]
    public static partial void ClientCreated(ILogger logger, string providerName, string modelId, Uri endpoint);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "Chat provider '{ProviderName}' call to model '{ModelId}' failed (status {StatusCode}, transient {IsTransient}).")]
    public static partial void CallFailed(ILogger logger, string providerName, string modelId, int? statusCode, bool isTransient);
}
