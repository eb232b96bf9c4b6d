using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk;

/// <summary>Shapes the messages sent to the model with an <see cref="IChatReducer"/> (a context policy) before each call.</summary>
internal sealed class ReducingChatClient : DelegatingChatClient
{
    private readonly IChatReducer _reducer;
    private readonly ILogger _logger;

    public ReducingChatClient(IChatClient innerClient, IChatReducer reducer, ILogger? logger = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(reducer);
        _reducer = reducer;
        _logger = logger ?? NullLogger.Instance;
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var reduced = await ReduceAsync(messages, cancellationToken).ConfigureAwait(false);
        return await base.GetResponseAsync(reduced, options, cancellationToken).ConfigureAwait(false);
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reduced = await ReduceAsync(messages, cancellationToken).ConfigureAwait(false);
        await foreach (var update in base.GetStreamingResponseAsync(reduced, options, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    private async Task<IEnumerable<ChatMessage>> ReduceAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var reduced = await _reducer.ReduceAsync(messages, cancellationToken).ConfigureAwait(false);
        if (_logger.IsEnabled(LogLevel.Debug) && !ReferenceEquals(reduced, messages))
        {
            ChatLog.ContextReduced(_logger, messages.Count(), reduced.Count());
        }

        return reduced;
    }
}
