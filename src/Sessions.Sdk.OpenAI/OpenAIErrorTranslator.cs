using System.ClientModel;
using System.ClientModel.Primitives;

namespace Sessions.Sdk;

/// <summary>Recognises the OpenAI SDK's failures (<see cref="ClientResultException"/>); the shared rules do the rest.</summary>
internal sealed class OpenAIErrorTranslator(ProviderClientSettings settings) : ProviderErrorTranslator(settings)
{
    protected override ChatProviderException? TranslateVendor(Exception exception, string where, object? callState)
    {
        if (exception is not ClientResultException { Status: > 0 } resultException)
        {
            return null;
        }

        var response = resultException.GetRawResponse();
        string? retryAfterMs = null;
        string? retryAfter = null;
        if (response is not null)
        {
            response.Headers.TryGetValue("retry-after-ms", out retryAfterMs);
            response.Headers.TryGetValue("Retry-After", out retryAfter);
        }

        return HttpFailure(where, resultException.Status, response?.ReasonPhrase, TryReadContent(response), RetryAfter(retryAfterMs, retryAfter), resultException);
    }

    // A ClientResultException without a status is the SDK's wrapper of a transport failure.
    protected override bool IsTransportFailure(Exception exception) => exception is ClientResultException;

    protected override Exception? RedactedCopy(Exception exception) =>
        exception is ClientResultException resultException
            ? new ClientResultException(Redact(resultException.Message), resultException.GetRawResponse())
            : null;

    protected override void LogCallFailed(string modelId, int? statusCode, bool isTransient) =>
        OpenAILog.CallFailed(Settings.Logger, Settings.ProviderName, modelId, statusCode, isTransient);

    private static string? TryReadContent(PipelineResponse? response)
    {
        try
        {
            return response?.Content?.ToString();
        }
        catch (InvalidOperationException)
        {
            // The content was not buffered (streamed response); the status alone describes the failure.
            return null;
        }
    }
}
