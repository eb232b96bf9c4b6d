using System.Net;
using System.Text.Json;
using Anthropic.Exceptions;

namespace Sessions.Sdk;

/// <summary>Recognises the Anthropic SDK's failures (HTTP errors, stream error events, transport and parse errors); the shared rules do the rest.</summary>
internal sealed class AnthropicErrorTranslator(ProviderClientSettings settings) : ProviderErrorTranslator(settings)
{
    /// <summary>Installs the capture that <see cref="AnthropicResponseCaptureHandler"/> fills with a failed response's retry hints.</summary>
    public override object? BeginCall() => AnthropicResponseCapture.Install();

    protected override ChatProviderException? TranslateVendor(Exception exception, string where, object? callState)
    {
        switch (exception)
        {
            case AnthropicApiException api:
                var capture = callState as AnthropicResponseCapture;
                return HttpFailure(where, (int)api.StatusCode, null, api.ResponseBody, RetryAfter(capture?.RetryAfterMs, capture?.RetryAfter), api);

            case AnthropicSseException sse:
                var errorType = ErrorTypeOf(sse);
                var status = StatusOf(errorType);
                return Fail(
                    $"The response stream of {where} reported an error ({errorType ?? "unknown"}): {Redact(sse.ApiMessage ?? sse.Message)}",
                    status,
                    status is null || ProviderFailures.IsTransientStatus(status.Value),
                    innerException: SanitizeInner(sse));

            default:
                return null;
        }
    }

    protected override bool IsTransportFailure(Exception exception) => exception is AnthropicIOException;

    protected override bool IsMalformedResponse(Exception exception) => exception is AnthropicInvalidDataException;

    protected override Exception? RedactedCopy(Exception exception) =>
        exception is AnthropicApiException api
            ? AnthropicExceptionFactory.CreateApiException((HttpStatusCode)(int)api.StatusCode, Redact(api.ResponseBody ?? string.Empty))
            : null;

    protected override void LogCallFailed(string modelId, int? statusCode, bool isTransient) =>
        AnthropicLog.CallFailed(Settings.Logger, Settings.ProviderName, modelId, statusCode, isTransient);

    private static string? ErrorTypeOf(AnthropicServiceException exception)
    {
        try
        {
            return exception.Type?.Raw();
        }
        catch (Exception ex) when (ex is InvalidOperationException or JsonException or AnthropicException)
        {
            return null;
        }
    }

    private static int? StatusOf(string? errorType) => errorType switch
    {
        "rate_limit_error" => 429,
        "overloaded_error" => 529,
        "api_error" => 500,
        "timeout_error" => 504,
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "conflict_error" => 409,
        _ => null,
    };
}
