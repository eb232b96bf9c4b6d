using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>Logs each model call (duration and token counts at Debug, failures at Warning, content only at Trace).</summary>
internal sealed class LoggingChatClient : DelegatingChatClient
{
    private readonly ILogger _logger;
    private readonly string? _providerName;

    public LoggingChatClient(IChatClient innerClient, ILogger logger, string? providerName = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
        _providerName = providerName ?? innerClient.GetService<ChatClientMetadata>()?.ProviderName;
    }

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        _logger.IsEnabled(LogLevel.Warning) || _logger.IsEnabled(LogLevel.Debug)
            ? GetLoggedResponseAsync(messages, options, cancellationToken)
            : base.GetResponseAsync(messages, options, cancellationToken);

    private async Task<ChatResponse> GetLoggedResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        string? model = options?.ModelId;
        if (_logger.IsEnabled(LogLevel.Trace))
        {
            ChatLog.CallRequestContent(_logger, _providerName, model, ChatLog.ToJson(messages));
        }

        long start = Stopwatch.GetTimestamp();
        try
        {
            var response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                ChatLog.CallCompleted(_logger, _providerName, response.ModelId ?? model, Stopwatch.GetElapsedTime(start).TotalMilliseconds, response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount);
            }

            if (_logger.IsEnabled(LogLevel.Trace))
            {
                ChatLog.CallResponseContent(_logger, _providerName, response.ModelId ?? model, ChatLog.ToJson(response.Messages));
            }

            return response;
        }
        catch (OperationCanceledException)
        {
            ChatLog.CallCancelled(_logger, _providerName, model, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            throw;
        }
        catch (Exception ex)
        {
            ChatLog.CallFailed(_logger, _providerName, model, Stopwatch.GetElapsedTime(start).TotalMilliseconds, ex);
            throw;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? model = options?.ModelId;
        bool trace = _logger.IsEnabled(LogLevel.Trace);
        if (trace)
        {
            ChatLog.CallRequestContent(_logger, _providerName, model, ChatLog.ToJson(messages));
        }

        long start = Stopwatch.GetTimestamp();
        long? input = null, output = null;
        List<ChatResponseUpdate>? traced = trace ? [] : null;
        IAsyncEnumerator<ChatResponseUpdate>? enumerator = null;
        try
        {
            while (true)
            {
                try
                {
                    enumerator ??= base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException)
                {
                    ChatLog.CallCancelled(_logger, _providerName, model, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    throw;
                }
                catch (Exception ex)
                {
                    ChatLog.CallFailed(_logger, _providerName, model, Stopwatch.GetElapsedTime(start).TotalMilliseconds, ex);
                    throw;
                }

                var update = enumerator.Current;
                model = update.ModelId ?? model;
                foreach (var content in update.Contents)
                {
                    if (content is UsageContent usage)
                    {
                        input = (input ?? 0) + (usage.Details.InputTokenCount ?? 0);
                        output = (output ?? 0) + (usage.Details.OutputTokenCount ?? 0);
                    }
                }

                traced?.Add(update);
                yield return update;
            }

            if (_logger.IsEnabled(LogLevel.Debug))
            {
                ChatLog.CallCompleted(_logger, _providerName, model, Stopwatch.GetElapsedTime(start).TotalMilliseconds, input, output);
            }

            if (traced is not null)
            {
                ChatLog.CallResponseContent(_logger, _providerName, model, ChatLog.ToJson(traced.ToChatResponse().Messages));
            }
        }
        finally
        {
            if (enumerator is not null)
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
