using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace Sessions.Sdk;

/// <summary>Runs each model call through a Polly pipeline (retry, timeouts, circuit breaker) and falls back to another provider.</summary>
/// <remarks>
/// A non-streaming call is retried as a whole; only the final response reaches the caller, so nothing is duplicated.
/// A streaming call is retried only until its first update: once output was yielded, a failure propagates and is never replayed.
/// When the fallback answers, <see cref="ProviderPropertyName"/> in the response's additional properties names it.
/// </remarks>
internal sealed class ResilientChatClient : DelegatingChatClient
{
    /// <summary>The additional-properties key naming the provider that actually answered, set only after a fallback.</summary>
    public const string ProviderPropertyName = "sessions.provider";

    private readonly ChatResiliencePipeline _resilience;
    private readonly string _providerName;
    private readonly IChatClient? _fallback;
    private readonly string? _fallbackName;
    private readonly ILogger _logger;

    public ResilientChatClient(IChatClient innerClient, ChatResiliencePipeline pipeline, string providerName, IChatClient? fallback = null, string? fallbackName = null, ILogger? logger = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentException.ThrowIfNullOrWhiteSpace(providerName);
        _resilience = pipeline;
        _providerName = providerName;
        _fallback = fallback;
        _fallbackName = fallbackName ?? fallback?.GetService<ChatClientMetadata>()?.ProviderName ?? "fallback";
        _logger = logger ?? NullLogger.Instance;
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var deadline = _resilience.StartDeadline(cancellationToken);
        var context = Rent(deadline, cancellationToken);
        try
        {
            return await _resilience.Pipeline.ExecuteAsync(
                static (context, state) => new ValueTask<ChatResponse>(state.Inner.GetResponseAsync(state.Messages, state.Options, context.CancellationToken)),
                context,
                (Inner: InnerClient, Messages: messages, Options: options)).ConfigureAwait(false);
        }
        catch (Exception ex) when (_fallback is not null && !cancellationToken.IsCancellationRequested && (deadline is { Expired: true } || ChatResilience.ShouldFallback(ex)))
        {
            ChatLog.FallingBack(_logger, _providerName, _fallbackName!, ChatResilience.ErrorType(ex));
            var response = await _fallback.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            (response.AdditionalProperties ??= [])[ProviderPropertyName] = _fallbackName;
            return response;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && deadline is { Expired: true })
        {
            throw TotalTimedOut(deadline, ex);
        }
        catch (Exception ex) when (ChatResilience.Translate(ex, _providerName) is { } translated)
        {
            throw translated;
        }
        finally
        {
            Return(context, deadline);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StreamStart start;
        bool fellBack = false;
        var deadline = _resilience.StartDeadline(cancellationToken);
        var context = Rent(deadline, cancellationToken);
        try
        {
            start = await _resilience.Pipeline.ExecuteAsync(
                static (context, state) => OpenAsync(state.Inner, state.Messages, state.Options, context.CancellationToken, state.UserToken),
                context,
                (Inner: InnerClient, Messages: messages, Options: options, UserToken: cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception ex) when (_fallback is not null && !cancellationToken.IsCancellationRequested && (deadline is { Expired: true } || ChatResilience.ShouldFallback(ex)))
        {
            ChatLog.FallingBack(_logger, _providerName, _fallbackName!, ChatResilience.ErrorType(ex));
            start = await OpenAsync(_fallback, messages, options, cancellationToken, cancellationToken).ConfigureAwait(false);
            fellBack = true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && deadline is { Expired: true })
        {
            throw TotalTimedOut(deadline, ex);
        }
        catch (Exception ex) when (ChatResilience.Translate(ex, _providerName) is { } translated)
        {
            throw translated;
        }
        finally
        {
            Return(context, deadline);
        }

        var enumerator = start.Enumerator;
        try
        {
            if (!start.HasFirst)
            {
                yield break;
            }

            yield return Mark(enumerator.Current, fellBack);
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    ChatLog.StreamFailedAfterOutput(_logger, fellBack ? _fallbackName! : _providerName, ex);
                    throw;
                }

                yield return Mark(enumerator.Current, fellBack);
            }
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
            start.Source.Dispose();
        }
    }

    /// <summary>Rents the resilience context a call runs under: the deadline's token when there is a total timeout, else the caller's.</summary>
    private static ResilienceContext Rent(ChatCallDeadline? deadline, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(deadline?.Token ?? cancellationToken);
        if (deadline is not null)
        {
            context.Properties.Set(ChatCallDeadline.PropertyKey, deadline);
        }

        return context;
    }

    private static void Return(ResilienceContext context, ChatCallDeadline? deadline)
    {
        ResilienceContextPool.Shared.Return(context);
        deadline?.Finish();
    }

    private TimeoutException TotalTimedOut(ChatCallDeadline deadline, Exception exception) =>
        new($"The model call to provider '{_providerName}' timed out after {deadline.Timeout}.", exception);

    private ChatResponseUpdate Mark(ChatResponseUpdate update, bool fellBack)
    {
        if (fellBack)
        {
            (update.AdditionalProperties ??= [])[ProviderPropertyName] = _fallbackName;
        }

        return update;
    }

    /// <summary>Starts a stream and waits for its first update, so failures before any output can be retried.</summary>
    /// <remarks>
    /// The stream keeps running after the attempt ends, so it must not use Polly's pooled attempt token: it gets its own
    /// source linked to the caller's token, cancelled by the attempt token only while waiting for the first update.
    /// </remarks>
    private static async ValueTask<StreamStart> OpenAsync(
        IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken attemptToken, CancellationToken userToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(userToken);
        var registration = attemptToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), source);
        IAsyncEnumerator<ChatResponseUpdate>? enumerator = null;
        try
        {
            enumerator = client.GetStreamingResponseAsync(messages, options, source.Token).GetAsyncEnumerator(source.Token);
            bool hasFirst = await enumerator.MoveNextAsync().ConfigureAwait(false);
            await registration.DisposeAsync().ConfigureAwait(false);
            return new StreamStart(enumerator, hasFirst, source);
        }
        catch
        {
            await registration.DisposeAsync().ConfigureAwait(false);
            if (enumerator is not null)
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }

            source.Dispose();
            throw;
        }
    }

    private readonly record struct StreamStart(IAsyncEnumerator<ChatResponseUpdate> Enumerator, bool HasFirst, CancellationTokenSource Source);
}
