using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>Turns a provider SDK's or the network's failure into a <see cref="ChatProviderException"/> with status, transience and Retry-After.</summary>
/// <remarks>Linked source (src/Shared/Providers), compiled into each provider package so none depends on another. A package
/// derives one small translator that recognises its SDK's exceptions; the rules for everything else live here once.
/// Caller cancellation stays <see cref="OperationCanceledException"/>; argument errors pass through; the API key never
/// reaches a message or an inner exception.</remarks>
internal abstract class ProviderErrorTranslator
{
    protected ProviderErrorTranslator(ProviderClientSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
    }

    /// <summary>Gets the settings shared by the provider's clients.</summary>
    public ProviderClientSettings Settings { get; }

    /// <summary>Prepares per-call state the translation may need (such as captured response headers).</summary>
    /// <returns>The state handed back to <see cref="Translate"/>, or <see langword="null"/>.</returns>
    public virtual object? BeginCall() => null;

    /// <summary>Translates a failure; <see langword="null"/> leaves the exception as it is (it is already ours, or the caller's).</summary>
    public Exception? Translate(Exception exception, string modelId, object? callState, CancellationToken cancellationToken)
    {
        if (exception is ChatProviderException or ArgumentException)
        {
            return null;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return exception is OperationCanceledException ? null : new OperationCanceledException("The model call was canceled.", exception, cancellationToken);
        }

        var where = $"model '{modelId}' at {Settings.Endpoint.Authority}";
        var translated = TranslateVendor(exception, where, callState)
            ?? (ProviderFailures.IsTimeout(exception, cancellationToken)
                ? Fail($"The call to {where} timed out (timeout {Settings.Timeout}).", null, isTransient: true, innerException: exception)
                : ProviderFailures.IsNetworkFailure(exception) || IsTransportFailure(exception)
                ? Fail($"The connection to {where} failed: {Redact((exception.InnerException ?? exception).Message)}", null, isTransient: true, innerException: SanitizeInner(exception))
                : exception is JsonException or FormatException or InvalidDataException || IsMalformedResponse(exception)
                ? Fail($"The response of {where} was malformed: {Redact(exception.Message)}", null, isTransient: true, innerException: SanitizeInner(exception))
                : Fail($"The call to {where} failed: {exception.GetType().Name}: {Redact(exception.Message)}", null, isTransient: false, innerException: SanitizeInner(exception)));
        LogCallFailed(modelId, translated.StatusCode, translated.IsTransient);
        return translated;
    }

    /// <summary>Returns the failure of a stream that ended before the model said why it stopped (the output is incomplete).</summary>
    public ChatProviderException StreamEndedEarly(string modelId)
    {
        LogCallFailed(modelId, null, true);
        return Fail(
            $"The response stream of model '{modelId}' from {Settings.Endpoint.Authority} ended before a finish reason; the output is incomplete.",
            null,
            isTransient: true);
    }

    /// <summary>Throws the one-line failure of a provider that needs a key and has none; does nothing when a key is set.</summary>
    /// <exception cref="ChatProviderException">The provider needs an API key and has none.</exception>
    public void ThrowIfMissingKey()
    {
        if (Settings.MissingKeyMessage is { } message)
        {
            throw Fail(message, null, isTransient: false);
        }
    }

    /// <summary>Creates a failure of this provider (without logging it).</summary>
    public ChatProviderException Fail(string message, int? statusCode, bool isTransient, TimeSpan? retryAfter = null, Exception? innerException = null) =>
        new(Settings.ProviderName, message, statusCode, isTransient, retryAfter, innerException);

    /// <summary>Recognises the SDK's own failures (HTTP status, stream error events); <see langword="null"/> for anything else.</summary>
    /// <param name="exception">The failure.</param>
    /// <param name="where">The model and host, for the message.</param>
    /// <param name="callState">What <see cref="BeginCall"/> returned.</param>
    protected abstract ChatProviderException? TranslateVendor(Exception exception, string where, object? callState);

    /// <summary>Logs a failed call with the package's own event id.</summary>
    protected abstract void LogCallFailed(string modelId, int? statusCode, bool isTransient);

    /// <summary>Returns whether an SDK exception stands for a transport failure (connection refused or reset).</summary>
    protected virtual bool IsTransportFailure(Exception exception) => false;

    /// <summary>Returns whether an SDK exception stands for a response that could not be parsed.</summary>
    protected virtual bool IsMalformedResponse(Exception exception) => false;

    /// <summary>Returns a copy of an SDK exception without the API key, or <see langword="null"/> to drop it.</summary>
    protected virtual Exception? RedactedCopy(Exception exception) => null;

    /// <summary>Builds the failure of an HTTP error status, with the server's description and the delay it asked for.</summary>
    protected ChatProviderException HttpFailure(string where, int status, string? reasonPhrase, string? body, TimeSpan? retryAfter, Exception innerException)
    {
        var detail = ProviderFailures.DescribeBody(body, Settings.ApiKey);
        var reason = string.IsNullOrWhiteSpace(reasonPhrase) ? string.Empty : $" {reasonPhrase}";
        return Fail(
            $"Provider '{Settings.ProviderName}' ({where}) returned HTTP {status}{reason}" + (detail is null ? "." : $": {detail}"),
            status,
            ProviderFailures.IsTransientStatus(status),
            retryAfter,
            SanitizeInner(innerException));
    }

    /// <summary>Parses the server's retry hint at the provider's clock.</summary>
    protected TimeSpan? RetryAfter(string? retryAfterMs, string? retryAfter) =>
        ProviderFailures.ParseRetryAfter(retryAfterMs, retryAfter, Settings.TimeProvider.GetUtcNow());

    /// <summary>Removes the API key from a text.</summary>
    protected string Redact(string text) => ProviderFailures.Redact(text, Settings.ApiKey);

    /// <summary>Keeps an exception as the inner exception unless its text would reveal the API key.</summary>
    protected Exception? SanitizeInner(Exception exception) =>
        ProviderFailures.Contains(exception.ToString(), Settings.ApiKey) ? RedactedCopy(exception) : exception;
}
