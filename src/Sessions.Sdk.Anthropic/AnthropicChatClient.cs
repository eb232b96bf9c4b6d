using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Anthropic.Exceptions;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Wraps the Anthropic SDK's own <see cref="IChatClient"/> so its failures surface as <see cref="ChatProviderException"/>.</summary>
/// <remarks>Thread-safe. Status, transience and Retry-After are kept; the API key never reaches a message. A stream that
/// ends before the model said why it stopped is reported as a transient failure, not as a short answer.</remarks>
internal sealed class AnthropicChatClient : DelegatingChatClient
{
    private readonly AnthropicChatClientSettings _settings;
    private readonly string _modelId;

    public AnthropicChatClient(IChatClient innerClient, string modelId, AnthropicChatClientSettings settings)
        : base(innerClient)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(settings);
        _modelId = modelId;
        _settings = settings;
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var capture = AnthropicResponseCapture.Install();
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex, capture, options, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var capture = AnthropicResponseCapture.Install();

        // The SDK does not time out a stream that stops sending, so each wait for the next event gets the timeout.
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        IAsyncEnumerator<ChatResponseUpdate> enumerator;
        try
        {
            enumerator = base.GetStreamingResponseAsync(messages, options, idle.Token).GetAsyncEnumerator(idle.Token);
        }
        catch (Exception ex) when (Translate(ex, capture, options, cancellationToken) is { } translated)
        {
            throw translated;
        }

        var finished = false;
        try
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    idle.CancelAfter(_settings.Timeout);
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    idle.CancelAfter(System.Threading.Timeout.InfiniteTimeSpan);
                    update = enumerator.Current;
                }
                catch (Exception ex) when (Translate(ex, capture, options, cancellationToken) is { } translated)
                {
                    throw translated;
                }

                finished |= update.FinishReason is not null;
                yield return update;
            }
        }
        finally
        {
            try
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException or AnthropicIOException)
            {
                // The stream is already broken or finished; the outcome was decided above.
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!finished)
        {
            var model = ModelOf(options);
            AnthropicLog.CallFailed(_settings.Logger, _settings.ProviderName, model, null, true);
            throw new ChatProviderException(
                _settings.ProviderName,
                $"The response stream of model '{model}' from {_settings.BaseUrl.Authority} ended before the model stopped (no stop reason); the output is incomplete.",
                statusCode: null,
                isTransient: true);
        }
    }

    /// <summary>Keeps the shared SDK client alive: the provider caches and owns it, so disposing one caller's client releases nothing.</summary>
    /// <param name="disposing">Whether the call comes from <see cref="IDisposable.Dispose"/>.</param>
    protected override void Dispose(bool disposing)
    {
        // base.Dispose(true) would dispose the SDK adapter and with it the shared HTTP client; false releases nothing.
        base.Dispose(disposing: false);
    }

    /// <summary>Translates a vendor or transport failure; <see langword="null"/> leaves the exception as it is.</summary>
    private Exception? Translate(Exception exception, AnthropicResponseCapture capture, ChatOptions? options, CancellationToken cancellationToken)
    {
        if (exception is ChatProviderException or ArgumentException)
        {
            return null;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return exception is OperationCanceledException ? null : new OperationCanceledException("The model call was canceled.", exception, cancellationToken);
        }

        var provider = _settings.ProviderName;
        var model = ModelOf(options);
        var where = $"model '{model}' at {_settings.BaseUrl.Authority}";
        ChatProviderException translated;
        switch (exception)
        {
            case AnthropicApiException api:
                var status = (int)api.StatusCode;
                var detail = ProviderFailures.DescribeBody(api.ResponseBody, _settings.ApiKey);
                translated = new ChatProviderException(
                    provider,
                    $"Provider '{provider}' ({where}) returned HTTP {status}" + (detail is null ? "." : $": {detail}"),
                    status,
                    ProviderFailures.IsTransientStatus(status),
                    ProviderFailures.ParseRetryAfter(capture.RetryAfterMs, capture.RetryAfter, _settings.TimeProvider.GetUtcNow()),
                    Sanitize(api));
                break;

            case AnthropicSseException sse:
                var errorType = ErrorTypeOf(sse);
                var sseStatus = StatusOf(errorType);
                var sseDetail = ProviderFailures.Redact(sse.ApiMessage ?? sse.Message, _settings.ApiKey);
                translated = new ChatProviderException(
                    provider,
                    $"The response stream of {where} reported an error ({errorType ?? "unknown"}): {sseDetail}",
                    sseStatus,
                    sseStatus is null || ProviderFailures.IsTransientStatus(sseStatus.Value),
                    innerException: Sanitize(sse));
                break;

            case var _ when ProviderFailures.IsTimeout(exception, cancellationToken):
                translated = new ChatProviderException(
                    provider, $"The call to {where} timed out (timeout {_settings.Timeout}).", null, isTransient: true, innerException: exception);
                break;

            case AnthropicIOException or HttpRequestException or IOException:
                translated = new ChatProviderException(
                    provider,
                    $"The connection to {where} failed: {ProviderFailures.Redact((exception.InnerException ?? exception).Message, _settings.ApiKey)}",
                    null,
                    isTransient: true,
                    innerException: Sanitize(exception));
                break;

            case AnthropicInvalidDataException or JsonException or FormatException or InvalidDataException:
                translated = new ChatProviderException(
                    provider,
                    $"The response of {where} was malformed: {ProviderFailures.Redact(exception.Message, _settings.ApiKey)}",
                    null,
                    isTransient: true,
                    innerException: Sanitize(exception));
                break;

            default:
                return null;
        }

        AnthropicLog.CallFailed(_settings.Logger, provider, model, translated.StatusCode, translated.IsTransient);
        return translated;
    }

    private string ModelOf(ChatOptions? options) => options?.ModelId is { Length: > 0 } modelId ? modelId : _modelId;

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

    /// <summary>Keeps the vendor exception as the inner exception unless its text would reveal the API key.</summary>
    private Exception? Sanitize(Exception exception)
    {
        if (!ProviderFailures.Contains(exception.ToString(), _settings.ApiKey))
        {
            return exception;
        }

        return exception is AnthropicApiException api
            ? AnthropicExceptionFactory.CreateApiException((HttpStatusCode)(int)api.StatusCode, ProviderFailures.Redact(api.ResponseBody ?? string.Empty, _settings.ApiKey))
            : null;
    }
}
