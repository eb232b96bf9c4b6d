using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>Runs one model call for a session: resolves provider and model, builds the context, calls the pipeline and stores the tool rounds and the reply.</summary>
/// <remarks>
/// Thread-safe singleton shared by every session of a manager. Chat sessions use <see cref="BuildContextAsync"/> for their context;
/// plan and edit sessions <see cref="Prepare"/> a call and pass their own messages to <c>RunAsync</c> / <c>StreamAsync</c>. Callers that must keep a
/// prompt and its reply adjacent hold <see cref="SessionWriter.TurnGate"/> around the append and the turn.
/// </remarks>
internal sealed class ChatTurn
{
    private readonly ChatProviderRegistry _providers;
    private readonly ChatPipelineFactory _pipelines;
    private readonly SessionsOptions _options;
    private readonly ILogger _logger;

    public ChatTurn(ChatProviderRegistry providers, ChatPipelineFactory pipelines, SessionsOptions options, ILogger logger)
    {
        _providers = providers;
        _pipelines = pipelines;
        _options = options;
        _logger = logger;
    }

    /// <summary>Gets the model catalog (context windows and prices).</summary>
    public ChatModelCatalog Catalog => _pipelines.Catalog;

    /// <summary>Builds the chat context: the system prompt, then the newest <paramref name="maxMessages"/> stored messages (all when null).</summary>
    /// <remarks>The one place that skips state messages (never sent to a model) and drops tool results cut off from their calls by the window.</remarks>
    /// <remarks>The window comes from the writer's cache of the newest messages when it has them (no storage read), else from storage.</remarks>
    public static ValueTask<List<ChatMessage>> BuildContextAsync(SessionWriter writer, int? maxMessages, CancellationToken cancellationToken)
    {
        if (maxMessages is { } window && writer.TryCopyRecent(window, out var recent, out int length))
        {
            try
            {
                return new ValueTask<List<ChatMessage>>(BuildContext(writer, new ArraySegment<SessionMessage>(recent, 0, length)));
            }
            finally
            {
                SessionWriter.ReturnRecent(recent);
            }
        }

        return ReadContextAsync(writer, maxMessages, cancellationToken);
    }

    private static async ValueTask<List<ChatMessage>> ReadContextAsync(SessionWriter writer, int? maxMessages, CancellationToken cancellationToken)
    {
        var history = maxMessages is { } window
            ? await writer.ReadRecentAsync(window, cancellationToken).ConfigureAwait(false)
            : await writer.GetMessagesAsync(MessageRange.All, cancellationToken).ConfigureAwait(false);
        return BuildContext(writer, history);
    }

    private static List<ChatMessage> BuildContext<TList>(SessionWriter writer, TList history)
        where TList : IReadOnlyList<SessionMessage>
    {
        var context = new List<ChatMessage>(history.Count + 1);
        if (writer.Metadata.SystemPrompt is { Length: > 0 } systemPrompt)
        {
            context.Add(new ChatMessage(ChatRole.System, systemPrompt));
        }

        bool afterConversation = false;
        for (int i = 0; i < history.Count; i++)
        {
            var message = history[i];
            if (SessionStateContent.IsStateMessage(message.Message) || ChatContext.IsOrphanedToolResult(message.Message, afterConversation))
            {
                continue;
            }

            afterConversation = true;
            context.Add(message.ToChatMessage());
        }

        return context;
    }

    /// <summary>Calls the model with <paramref name="messages"/> and stores every tool round and the reply in the session.</summary>
    /// <returns>The pipeline's response (every round's messages, as M.E.AI returns them) and the stored messages of the last round.</returns>
    public ValueTask<ChatTurnResult> RunAsync(Session session, IList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken) =>
        RunAsync(Prepare(session, options), messages, cancellationToken);

    /// <summary>Calls the model for a prepared call (see <see cref="Prepare"/>) and stores every tool round and the reply.</summary>
    public async ValueTask<ChatTurnResult> RunAsync(ChatTurnCall call, IList<ChatMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(messages);
        var (session, client, chatOptions, state) = (call.Session, call.Client, call.Options, call.State);
        long started = session.Writer.TimeProvider.GetTimestamp();
        ChatResponse response;
        try
        {
            response = await client.GetResponseAsync(messages, chatOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (LogFailure(session.Id, ex, state, started))
        {
            throw; // not reached: the filter only logs
        }

        var stored = state.Pending is null
            ? await StoreUnrecordedAsync(state, response, session.Writer.TimeProvider.GetElapsedTime(started), cancellationToken).ConfigureAwait(false)
            : await state.StoreFinalAsync(response.Messages, cancellationToken).ConfigureAwait(false);
        return new ChatTurnResult(response, stored);
    }

    /// <summary>Streams a model call with <paramref name="messages"/>; tool rounds are stored as they complete and the reply once the stream completes.</summary>
    /// <remarks>A stream that fails, is cancelled or is abandoned stores no partial reply.</remarks>
    public IAsyncEnumerable<ChatResponseUpdate> StreamAsync(Session session, IList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken) =>
        StreamAsync(Prepare(session, options), messages, cancellationToken);

    /// <summary>Streams a prepared call (see <see cref="Prepare"/>); tool rounds are stored as they complete and the reply once the stream completes.</summary>
    public async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(ChatTurnCall call, IList<ChatMessage> messages, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(messages);
        var updates = new List<ChatResponseUpdate>();
        var toolMessages = new List<ChatMessage>();
        var (session, client, chatOptions, state) = (call.Session, call.Client, call.Options, call.State);
        state.OnRoundStored = () =>
        {
            // Everything streamed so far belongs to rounds already stored.
            updates.Clear();
            toolMessages.Clear();
        };
        long started = session.Writer.TimeProvider.GetTimestamp();
        var enumerator = client.GetStreamingResponseAsync(messages, chatOptions, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (enumerator.ConfigureAwait(false))
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    update = enumerator.Current;
                }
                catch (Exception ex) when (LogFailure(session.Id, ex, state, started))
                {
                    throw; // not reached: the filter only logs
                }

                if (update.Role == ChatRole.Tool)
                {
                    toolMessages.Add(new ChatMessage(ChatRole.Tool, update.Contents) { MessageId = update.MessageId });
                }
                else
                {
                    updates.Add(update);
                }

                yield return update;
            }
        }

        // Reached only when the stream completed.
        if (state.Pending is null)
        {
            await StoreUnrecordedAsync(state, updates.ToChatResponse(), session.Writer.TimeProvider.GetElapsedTime(started), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await state.StoreFinalAsync(toolMessages, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stores one round: the model's messages (usage and latency on the last of them), then its tool results.</summary>
    internal async ValueTask<IReadOnlyList<SessionMessage>> StoreRoundAsync(
        SessionWriter writer, ChatTurnState state, ChatRound round, List<ChatMessage> messages, int responseCount, CancellationToken cancellationToken)
    {
        string providerName = round.FallbackProviderName ?? state.ProviderName;
        string? modelId = round.ModelId ?? state.ModelId;
        var latency = round.Latency;
        var usage = round.Usage is { } counts
            ? Catalog.ToSessionUsage(counts.InputTokens, counts.OutputTokens, counts.TotalTokens, providerName, modelId)
            : Catalog.ToSessionUsage(null, providerName, modelId);
        SessionsLog.ModelCallCompleted(_logger, writer.Id, providerName, modelId, latency.TotalMilliseconds, usage.InputTokens, usage.OutputTokens);
        if (messages.Count == 0)
        {
            return [];
        }

        var now = writer.TimeProvider.GetUtcNow();
        var replies = new SessionMessage[messages.Count];
        for (int i = 0; i < messages.Count; i++)
        {
            bool fromModel = i < responseCount;
            bool last = i == responseCount - 1;
            replies[i] = new SessionMessage
            {
                Message = messages[i],
                Timestamp = now,
                ProviderName = fromModel ? providerName : null,
                ModelId = fromModel ? modelId : null,

                // Usage and latency belong to the call, so they go on its final message only (storage sums usage per message).
                Usage = last ? usage : null,
                Latency = last ? latency : null,
            };
        }

        return await writer.AppendAsync(replies, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The one place the provider, model, pipeline and per-call options of a session's turn are chosen.</summary>
    /// <remarks>Call it before storing the prompt: an unknown provider then fails with nothing stored.</remarks>
    /// <exception cref="InvalidOperationException">The session's provider is not registered, or no default can be chosen.</exception>
    /// <param name="session">The session.</param>
    /// <param name="options">The caller's options, if any.</param>
    /// <param name="store">Where the tool rounds and the reply are stored; <see langword="null"/> for the session's own writer. Plan steps running in parallel pass a writer with autosave off and append its messages to the session in one piece.</param>
    public ChatTurnCall Prepare(Session session, ChatOptions? options, SessionWriter? store = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        var (provider, modelId, pipeline) = Resolve(session);
        var chatOptions = new SessionChatOptions(options);
        chatOptions.ModelId ??= modelId;
        chatOptions.Temperature ??= _options.Temperature;
        chatOptions.MaxOutputTokens ??= _options.MaxOutputTokens;
        var sessionTools = session.Tools;
        if (_options.ToolsEnabled && (_pipelines.GlobalTools.Count > 0 || sessionTools.Count > 0))
        {
            // Global tools first, then the session's, then the call's: a later tool of the same name wins.
            var tools = new List<AITool>(_pipelines.GlobalTools.Count + sessionTools.Count + (chatOptions.Tools?.Count ?? 0));
            tools.AddRange(_pipelines.GlobalTools);
            tools.AddRange(sessionTools);
            if (chatOptions.Tools is { } callTools)
            {
                tools.AddRange(callTools);
            }

            chatOptions.Tools = Deduplicate(tools);
        }
        else if (!_options.ToolsEnabled && chatOptions.Tools is { Count: > 0 } declared)
        {
            // Tools stay visible to the model but are never invoked; a call the model makes anyway is answered as not invoked.
            chatOptions.Tools = [.. declared.Select(t => t is AIFunction f ? f.AsDeclarationOnly() : t)];
        }

        var state = new ChatTurnState(this, store ?? session.Writer, provider.Name, chatOptions.ModelId, _options.ToolsEnabled ? _options.MaxToolIterations : 0);
        chatOptions.Turn = state;
        return new ChatTurnCall(session, pipeline.Client, chatOptions, state);
    }

    /// <summary>Resolves the session's provider, model and pipeline, reusing the session's last resolution while its provider and model settings are unchanged.</summary>
    private ChatTurnTarget Resolve(Session session)
    {
        var info = session.Writer.Metadata;
        if (session.TurnTarget is { } cached
            && string.Equals(cached.ProviderSetting, info.ProviderName, StringComparison.Ordinal)
            && string.Equals(cached.ModelSetting, info.ModelId, StringComparison.Ordinal))
        {
            return cached;
        }

        var provider = _providers.GetProvider(info.ProviderName);
        string? modelId = info.ModelId ?? (info.ProviderName is null || _options.DefaultProvider is null || string.Equals(info.ProviderName, _options.DefaultProvider, StringComparison.OrdinalIgnoreCase)
            ? _options.DefaultModel ?? provider.DefaultModelId
            : provider.DefaultModelId);
        var target = new ChatTurnTarget(info.ProviderName, info.ModelId, provider, modelId, _pipelines.GetPipeline(provider, modelId));
        session.TurnTarget = target;
        return target;
    }

    /// <summary>Keeps the last tool of each name (providers reject duplicate function names).</summary>
    private static List<AITool> Deduplicate(List<AITool> tools)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<AITool>(tools.Count);
        for (int i = tools.Count - 1; i >= 0; i--)
        {
            if (seen.Add(tools[i].Name))
            {
                result.Add(tools[i]);
            }
        }

        result.Reverse();
        return result;
    }

    /// <summary>Stores a reply that no round recorder saw (a middleware answered without calling the model).</summary>
    private static async ValueTask<IReadOnlyList<SessionMessage>> StoreUnrecordedAsync(ChatTurnState state, ChatResponse response, TimeSpan latency, CancellationToken cancellationToken)
    {
        state.Record(response, latency);
        return await state.StoreFinalAsync([], cancellationToken).ConfigureAwait(false);
    }

    private bool LogFailure(string sessionId, Exception exception, ChatTurnState state, long started)
    {
        if (exception is OperationCanceledException)
        {
            SessionsLog.ModelCallCancelled(_logger, sessionId);
        }
        else
        {
            SessionsLog.ModelCallFailed(_logger, exception, sessionId, state.ProviderName, state.ModelId, state.TimeProvider.GetElapsedTime(started).TotalMilliseconds);
        }

        return false;
    }
}

/// <summary>A session's resolved provider, model and pipeline, for the provider and model settings it was resolved from.</summary>
/// <param name="ProviderSetting">The session's provider setting (<see langword="null"/> for the default).</param>
/// <param name="ModelSetting">The session's model setting (<see langword="null"/> for the default).</param>
/// <param name="Provider">The provider.</param>
/// <param name="ModelId">The model id the call uses.</param>
/// <param name="Pipeline">The pipeline.</param>
internal sealed record ChatTurnTarget(string? ProviderSetting, string? ModelSetting, IChatProvider Provider, string? ModelId, ChatPipeline Pipeline)
{
    public void Deconstruct(out IChatProvider provider, out string? modelId, out ChatPipeline pipeline) => (provider, modelId, pipeline) = (Provider, ModelId, Pipeline);
}

/// <summary>A prepared model call of a session: the pipeline and options chosen for the session's provider and model.</summary>
/// <param name="Session">The session.</param>
/// <param name="Client">The pipeline.</param>
/// <param name="Options">The call's options (carrying the turn state).</param>
/// <param name="State">The turn state.</param>
internal sealed record ChatTurnCall(Session Session, IChatClient Client, SessionChatOptions Options, ChatTurnState State);

/// <summary>What a chat turn returns: the pipeline's response and the messages stored for its last round.</summary>
/// <param name="Response">The response as the pipeline returned it.</param>
/// <param name="Stored">The stored reply messages of the last round (with sequences), the tool results for its calls included.</param>
internal sealed record ChatTurnResult(ChatResponse Response, IReadOnlyList<SessionMessage> Stored);
