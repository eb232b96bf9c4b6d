using System.ClientModel;
using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Sessions.Sdk;

/// <summary>An <see cref="IChatClient"/> over the official OpenAI SDK's <see cref="ChatClient"/> for one model.</summary>
/// <remarks>Thread-safe. Vendor failures surface as <see cref="ChatProviderException"/>; caller cancellation as
/// <see cref="OperationCanceledException"/>. A <see cref="ChatOptions.ModelId"/> naming another model is served by
/// that model's client of the same provider.</remarks>
internal sealed class OpenAIChatClient : IChatClient
{
    private readonly ChatClient _chatClient;
    private readonly OpenAIChatClientSettings _settings;
    private readonly Func<string?, OpenAIChatClient> _resolveModel;
    private readonly ChatClientMetadata _metadata;

    public OpenAIChatClient(ChatClient chatClient, OpenAIChatClientSettings settings, Func<string?, OpenAIChatClient> resolveModel)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(resolveModel);
        _chatClient = chatClient;
        _settings = settings;
        _resolveModel = resolveModel;
        _metadata = new ChatClientMetadata("openai", settings.Endpoint, chatClient.Model);
    }

    /// <summary>Gets the model this client calls.</summary>
    public string ModelId => _chatClient.Model;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AIChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var target = ForModel(options);
        if (!ReferenceEquals(target, this))
        {
            return await target.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }

        var openAIMessages = OpenAIChatMapper.ToOpenAIMessages(messages, options);
        var openAIOptions = OpenAIChatMapper.ToOpenAIOptions(options, this);
        ChatCompletion completion;
        try
        {
            ClientResult<ChatCompletion> result = await _chatClient.CompleteChatAsync(openAIMessages, openAIOptions, cancellationToken).ConfigureAwait(false);
            completion = result.Value;
        }
        catch (Exception ex) when (Translate(ex, cancellationToken) is { } translated)
        {
            throw translated;
        }

        return OpenAIChatMapper.FromCompletion(completion);
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AIChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return ForModel(options).StreamAsync(messages, options, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType == typeof(ChatClient) ? _chatClient
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    public void Dispose()
    {
        // The provider owns the shared SDK pipeline; a model client holds nothing to release.
    }

    private OpenAIChatClient ForModel(ChatOptions? options) =>
        options?.ModelId is { Length: > 0 } modelId && !string.Equals(modelId, _chatClient.Model, StringComparison.Ordinal)
            ? _resolveModel(modelId)
            : this;

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        IEnumerable<AIChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var openAIMessages = OpenAIChatMapper.ToOpenAIMessages(messages, options);
        var openAIOptions = OpenAIChatMapper.ToOpenAIOptions(options, this);
        var state = new OpenAIStreamingState();

        IAsyncEnumerator<StreamingChatCompletionUpdate> enumerator;
        try
        {
            enumerator = _chatClient.CompleteChatStreamingAsync(openAIMessages, openAIOptions, cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        catch (Exception ex) when (Translate(ex, cancellationToken) is { } translated)
        {
            throw translated;
        }

        try
        {
            while (true)
            {
                StreamingChatCompletionUpdate update;
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    update = enumerator.Current;
                }
                catch (Exception ex) when (Translate(ex, cancellationToken) is { } translated)
                {
                    throw translated;
                }

                yield return state.Map(update);
            }
        }
        finally
        {
            try
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException)
            {
                // The stream is already broken or finished; the outcome was decided above.
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (state.FinishReason is null)
        {
            var truncated = new ChatProviderException(
                _settings.ProviderName,
                $"The response stream of model '{ModelId}' from {_settings.Endpoint.Authority} ended before a finish reason; the output is incomplete.",
                statusCode: null,
                isTransient: true);
            OpenAILog.CallFailed(_settings.Logger, _settings.ProviderName, ModelId, null, true);
            throw truncated;
        }

        if (state.CompleteFunctionCalls() is { } functionCalls)
        {
            yield return functionCalls;
        }

        if (state.RefusalUpdate() is { } refusal)
        {
            yield return refusal;
        }
    }

    /// <summary>Translates a vendor or transport failure; <see langword="null"/> leaves the exception as it is.</summary>
    private Exception? Translate(Exception exception, CancellationToken cancellationToken)
    {
        if (exception is ChatProviderException)
        {
            return null;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return exception is OperationCanceledException ? null : new OperationCanceledException("The model call was canceled.", exception, cancellationToken);
        }

        var provider = _settings.ProviderName;
        var where = $"model '{ModelId}' at {_settings.Endpoint.Authority}";
        ChatProviderException translated;
        if (exception is ClientResultException { Status: > 0 } resultException)
        {
            var status = resultException.Status;
            var response = resultException.GetRawResponse();
            var detail = ProviderFailures.DescribeBody(TryReadContent(response), _settings.ApiKey);
            var reason = string.IsNullOrWhiteSpace(response?.ReasonPhrase) ? string.Empty : $" {response!.ReasonPhrase}";
            translated = new ChatProviderException(
                provider,
                $"Provider '{provider}' ({where}) returned HTTP {status}{reason}" + (detail is null ? "." : $": {detail}"),
                status,
                ProviderFailures.IsTransientStatus(status),
                ParseRetryAfter(response),
                Sanitize(resultException));
        }
        else if (ProviderFailures.IsTimeout(exception, cancellationToken))
        {
            translated = new ChatProviderException(
                provider, $"The call to {where} timed out (network timeout {_settings.NetworkTimeout}).", null, isTransient: true, innerException: exception);
        }
        else if (ProviderFailures.IsNetworkFailure(exception) || exception is ClientResultException)
        {
            translated = new ChatProviderException(
                provider,
                $"The connection to {where} failed: {ProviderFailures.Redact(exception.Message, _settings.ApiKey)}",
                null,
                isTransient: true,
                innerException: Sanitize(exception));
        }
        else if (exception is JsonException or FormatException or InvalidDataException)
        {
            translated = new ChatProviderException(
                provider,
                $"The response of {where} was malformed: {ProviderFailures.Redact(exception.Message, _settings.ApiKey)}",
                null,
                isTransient: true,
                innerException: Sanitize(exception));
        }
        else
        {
            return null;
        }

        OpenAILog.CallFailed(_settings.Logger, provider, ModelId, translated.StatusCode, translated.IsTransient);
        return translated;
    }

    private TimeSpan? ParseRetryAfter(PipelineResponse? response)
    {
        if (response is null)
        {
            return null;
        }

        response.Headers.TryGetValue("retry-after-ms", out var retryAfterMs);
        response.Headers.TryGetValue("Retry-After", out var retryAfter);
        return ProviderFailures.ParseRetryAfter(retryAfterMs, retryAfter, _settings.TimeProvider.GetUtcNow());
    }

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

    /// <summary>Keeps the vendor exception as the inner exception unless its text would reveal the API key.</summary>
    private Exception? Sanitize(Exception exception)
    {
        if (!ProviderFailures.Contains(exception.ToString(), _settings.ApiKey))
        {
            return exception;
        }

        return exception is ClientResultException resultException
            ? new ClientResultException(ProviderFailures.Redact(resultException.Message, _settings.ApiKey), resultException.GetRawResponse())
            : null;
    }
}
