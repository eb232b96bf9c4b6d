using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Wraps a provider SDK's own <see cref="IChatClient"/> for one model with what the SDK adapters do not do.</summary>
/// <remarks>Linked source (src/Shared/Providers), compiled into each provider package so none depends on another. Thread-safe.
/// Adds: a missing API key fails the call (not the registration) with a one-line <see cref="ChatProviderException"/>; every
/// failure becomes a <see cref="ChatProviderException"/>; <see cref="ChatOptions.ModelId"/> selects the model per call; a
/// stream that ends before the model said why it stopped, or goes silent past the idle timeout, fails as transient rather
/// than passing for a short answer; <see cref="ChatOptions.RawRepresentationFactory"/> receives this client.</remarks>
internal sealed class ProviderChatClient : DelegatingChatClient
{
    private readonly ProviderErrorTranslator _translator;
    private readonly Func<string, ProviderChatClient> _resolveModel;

    public ProviderChatClient(IChatClient innerClient, string modelId, ProviderErrorTranslator translator, Func<string, ProviderChatClient> resolveModel)
        : base(innerClient)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(translator);
        ArgumentNullException.ThrowIfNull(resolveModel);
        ModelId = modelId;
        _translator = translator;
        _resolveModel = resolveModel;
    }

    /// <summary>Gets the model this client calls.</summary>
    public string ModelId { get; }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var target = ForModel(options);
        if (!ReferenceEquals(target, this))
        {
            return await target.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }

        _translator.ThrowIfMissingKey();
        var callState = _translator.BeginCall();
        try
        {
            return await base.GetResponseAsync(messages, Rebind(options), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (_translator.Translate(ex, ModelId, callState, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return ForModel(options).StreamAsync(messages, options, cancellationToken);
    }

    /// <summary>Keeps the shared SDK client alive: the provider caches and owns it, so disposing one caller's client releases nothing.</summary>
    /// <param name="disposing">Whether the call comes from <see cref="IDisposable.Dispose"/>.</param>
    protected override void Dispose(bool disposing) => base.Dispose(disposing: false);

    private ProviderChatClient ForModel(ChatOptions? options) =>
        options?.ModelId is { Length: > 0 } modelId && !string.Equals(modelId, ModelId, StringComparison.Ordinal)
            ? _resolveModel(modelId)
            : this;

    /// <summary>Hands the caller's raw-options factory this client, not the SDK adapter it wraps.</summary>
    private ChatOptions? Rebind(ChatOptions? options)
    {
        if (options?.RawRepresentationFactory is not { } factory)
        {
            return options;
        }

        var copy = options.Clone();
        copy.RawRepresentationFactory = _ => factory(this);
        return copy;
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        _translator.ThrowIfMissingKey();
        var callState = _translator.BeginCall();
        var idleTimeout = _translator.Settings.StreamIdleTimeout;

        // Where the SDK does not time out a stream that stops sending, each wait for the next update gets the timeout.
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        IAsyncEnumerator<ChatResponseUpdate> enumerator;
        try
        {
            enumerator = base.GetStreamingResponseAsync(messages, Rebind(options), idle.Token).GetAsyncEnumerator(idle.Token);
        }
        catch (Exception ex) when (_translator.Translate(ex, ModelId, callState, cancellationToken) is { } translated)
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
                    if (idleTimeout is { } timeout)
                    {
                        idle.CancelAfter(timeout);
                    }

                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    if (idleTimeout is not null)
                    {
                        idle.CancelAfter(Timeout.InfiniteTimeSpan);
                    }

                    update = enumerator.Current;
                }
                catch (Exception ex) when (_translator.Translate(ex, ModelId, callState, cancellationToken) is { } translated)
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
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The stream is already broken or finished; the outcome was decided above.
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!finished)
        {
            throw _translator.StreamEndedEarly(ModelId);
        }
    }
}
