using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Testing;

/// <summary>Answers chat requests from a script of queued replies, for tests; records every request it receives.</summary>
/// <remarks>
/// Thread-safe. Replies are consumed in order by both <see cref="GetResponseAsync"/> and <see cref="GetStreamingResponseAsync"/>:
/// a text reply is streamed as one update per chunk and a scripted stream is combined into one response, so one script
/// serves either call. When the queue is empty the callbacks answer; without them the call throws
/// <see cref="InvalidOperationException"/>. Delays use the client's <see cref="TimeProvider"/> and honour cancellation.
/// </remarks>
public sealed class ScriptedChatClient : IChatClient
{
    private readonly object _gate = new();
    private readonly Queue<Step> _script = new();
    private readonly List<ScriptedChatRequest> _requests = [];
    private readonly TimeProvider _timeProvider;
    private int _callCount;
    private int _responseCounter;
    private volatile bool _disposed;

    /// <summary>Initializes a client with an empty script.</summary>
    /// <param name="modelId">The model id reported on replies that name none and in the metadata.</param>
    /// <param name="timeProvider">The clock for delays and reply times; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public ScriptedChatClient(string? modelId = "scripted-model", TimeProvider? timeProvider = null)
    {
        ModelId = modelId;
        _timeProvider = timeProvider ?? TimeProvider.System;
        Metadata = new ChatClientMetadata("scripted", defaultModelId: modelId);
    }

    /// <summary>Gets the model id reported on replies that name none.</summary>
    public string? ModelId { get; }

    /// <summary>Gets the metadata returned by <see cref="GetService"/>.</summary>
    public ChatClientMetadata Metadata { get; }

    /// <summary>Gets or sets the callback that answers non-streaming requests once the script is exhausted.</summary>
    /// <value>The default value is <see langword="null"/> (an exhausted script throws).</value>
    public Func<IReadOnlyList<ChatMessage>, ChatOptions?, CancellationToken, Task<ChatResponse>>? GetResponseAsyncCallback { get; set; }

    /// <summary>Gets or sets the callback that answers streaming requests once the script is exhausted.</summary>
    /// <value>The default value is <see langword="null"/> (streaming falls back to <see cref="GetResponseAsyncCallback"/>, then throws).</value>
    public Func<IReadOnlyList<ChatMessage>, ChatOptions?, CancellationToken, IAsyncEnumerable<ChatResponseUpdate>>? GetStreamingResponseAsyncCallback { get; set; }

    /// <summary>Gets or sets a value indicating whether requests are recorded in <see cref="Requests"/>.</summary>
    /// <value>The default value is <see langword="true"/>; turn it off for long benchmark runs.</value>
    public bool RecordRequests { get; set; } = true;

    /// <summary>Gets a snapshot of the requests received so far, in order.</summary>
    public IReadOnlyList<ScriptedChatRequest> Requests
    {
        get
        {
            lock (_gate) return [.. _requests];
        }
    }

    /// <summary>Gets the last request received.</summary>
    /// <exception cref="InvalidOperationException">No request was recorded.</exception>
    public ScriptedChatRequest LastRequest
    {
        get
        {
            lock (_gate)
            {
                return _requests.Count > 0 ? _requests[^1] : throw new InvalidOperationException("The client has not recorded any request yet.");
            }
        }
    }

    /// <summary>Gets how many calls the client has received (streaming or not), recorded or not.</summary>
    public int CallCount => Volatile.Read(ref _callCount);

    /// <summary>Gets how many scripted replies are still queued.</summary>
    public int PendingReplies
    {
        get
        {
            lock (_gate) return _script.Count;
        }
    }

    /// <summary>Gets a value indicating whether the client was disposed.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>Queues a text reply from the assistant.</summary>
    /// <param name="text">The reply text.</param>
    /// <param name="usage">The usage to report, if any.</param>
    /// <param name="delay">How long to wait before answering (honours cancellation); <see cref="Timeout.InfiniteTimeSpan"/> waits until cancelled.</param>
    /// <returns>This client, for chaining.</returns>
    public ScriptedChatClient EnqueueText(string text, UsageDetails? usage = null, TimeSpan? delay = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return EnqueueContents([new TextContent(text)], ChatFinishReason.Stop, usage, delay);
    }

    /// <summary>Queues a reply that asks for one tool call.</summary>
    /// <param name="name">The function name.</param>
    /// <param name="arguments">The call's arguments, if any.</param>
    /// <param name="callId">The call id; a unique one when <see langword="null"/>.</param>
    /// <param name="usage">The usage to report, if any.</param>
    /// <returns>This client, for chaining.</returns>
    public ScriptedChatClient EnqueueFunctionCall(string name, IDictionary<string, object?>? arguments = null, string? callId = null, UsageDetails? usage = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return EnqueueFunctionCalls([new FunctionCallContent(callId ?? $"call-{Guid.NewGuid():N}", name, arguments)], usage);
    }

    /// <summary>Queues a reply that asks for several tool calls at once.</summary>
    /// <param name="calls">The calls.</param>
    /// <param name="usage">The usage to report, if any.</param>
    /// <param name="text">Text the assistant says alongside the calls, if any.</param>
    /// <returns>This client, for chaining.</returns>
    public ScriptedChatClient EnqueueFunctionCalls(IEnumerable<FunctionCallContent> calls, UsageDetails? usage = null, string? text = null)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var contents = new List<AIContent>();
        if (!string.IsNullOrEmpty(text)) contents.Add(new TextContent(text));
        contents.AddRange(calls);
        if (contents.Count == 0) throw new ArgumentException("At least one function call is required.", nameof(calls));
        return EnqueueContents(contents, ChatFinishReason.ToolCalls, usage, delay: null);
    }

    /// <summary>Queues a complete response, returned as given (model id, response id and time are filled in when missing).</summary>
    /// <param name="response">The response.</param>
    /// <param name="delay">How long to wait before answering (honours cancellation).</param>
    /// <returns>This client, for chaining.</returns>
    public ScriptedChatClient EnqueueResponse(ChatResponse response, TimeSpan? delay = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        return Add(new Step { Response = _ => response, Delay = delay });
    }

    /// <summary>Queues a failure: the call throws <paramref name="exception"/>.</summary>
    /// <param name="exception">The exception to throw.</param>
    /// <param name="delay">How long to wait before failing (honours cancellation).</param>
    /// <returns>This client, for chaining.</returns>
    public ScriptedChatClient EnqueueException(Exception exception, TimeSpan? delay = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return Add(new Step { Exception = exception, Delay = delay });
    }

    /// <summary>Queues a streamed text reply: one update per chunk, then a final update with the finish reason and usage.</summary>
    /// <param name="chunks">The text chunks.</param>
    /// <param name="usage">The usage to report in the final update, if any.</param>
    /// <param name="chunkDelay">How long to wait before each chunk (honours cancellation).</param>
    /// <returns>This client, for chaining.</returns>
    public ScriptedChatClient EnqueueStream(IEnumerable<string> chunks, UsageDetails? usage = null, TimeSpan? chunkDelay = null)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        string[] copy = [.. chunks];
        return Add(new Step { Chunks = copy, Usage = usage, ChunkDelay = chunkDelay });
    }

    /// <summary>Queues a stream that breaks: the chunks are sent, then enumeration throws <paramref name="exception"/>.</summary>
    /// <param name="chunks">The chunks sent before the failure.</param>
    /// <param name="exception">The exception thrown after them (a non-streaming call throws it too).</param>
    /// <param name="chunkDelay">How long to wait before each chunk (honours cancellation).</param>
    /// <returns>This client, for chaining.</returns>
    public ScriptedChatClient EnqueueBrokenStream(IEnumerable<string> chunks, Exception exception, TimeSpan? chunkDelay = null)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(exception);
        string[] copy = [.. chunks];
        return Add(new Step { Chunks = copy, Exception = exception, ChunkDelay = chunkDelay });
    }

    /// <summary>Queues a stream of updates, sent as given.</summary>
    /// <param name="updates">The updates.</param>
    /// <param name="chunkDelay">How long to wait before each update (honours cancellation).</param>
    /// <returns>This client, for chaining.</returns>
    public ScriptedChatClient EnqueueStreamUpdates(IEnumerable<ChatResponseUpdate> updates, TimeSpan? chunkDelay = null)
    {
        ArgumentNullException.ThrowIfNull(updates);
        ChatResponseUpdate[] copy = [.. updates];
        return Add(new Step { Updates = copy, ChunkDelay = chunkDelay });
    }

    /// <summary>Queues a reply that never comes: the call waits until its token is cancelled.</summary>
    /// <returns>This client, for chaining.</returns>
    public ScriptedChatClient EnqueueHang() => Add(new Step { Hang = true });

    /// <summary>Queues a reply computed from the request when it arrives.</summary>
    /// <param name="reply">Builds the response from the request.</param>
    /// <returns>This client, for chaining.</returns>
    public ScriptedChatClient Enqueue(Func<ScriptedChatRequest, CancellationToken, Task<ChatResponse>> reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return Add(new Step { Dynamic = reply });
    }

    /// <summary>Removes every queued reply and recorded request.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _script.Clear();
            _requests.Clear();
        }
    }

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (request, step) = Begin(messages, options, streaming: false);
        cancellationToken.ThrowIfCancellationRequested();
        if (step is null)
        {
            var callback = GetResponseAsyncCallback ?? throw Exhausted(request);
            return await callback(request.Messages, options, cancellationToken).ConfigureAwait(false);
        }

        await DelayAsync(step.Hang ? Timeout.InfiniteTimeSpan : step.Delay, cancellationToken).ConfigureAwait(false);
        if (step.Dynamic is not null) return Complete(await step.Dynamic(request, cancellationToken).ConfigureAwait(false), options);
        if (step.Response is not null) return Complete(step.Response(options), options);
        if (step.Chunks is null && step.Updates is null) throw step.Exception!;

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in StreamStepAsync(step, options, cancellationToken).ConfigureAwait(false)) updates.Add(update);
        return updates.ToChatResponse();
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return StreamAsync(messages, options, cancellationToken);
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return Metadata;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc/>
    public void Dispose() => _disposed = true;

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (request, step) = Begin(messages, options, streaming: true);
        cancellationToken.ThrowIfCancellationRequested();
        IAsyncEnumerable<ChatResponseUpdate> source;
        if (step is null)
        {
            if (GetStreamingResponseAsyncCallback is { } streaming)
            {
                source = streaming(request.Messages, options, cancellationToken);
            }
            else
            {
                var callback = GetResponseAsyncCallback ?? throw Exhausted(request);
                source = ToAsync((await callback(request.Messages, options, cancellationToken).ConfigureAwait(false)).ToChatResponseUpdates());
            }
        }
        else
        {
            await DelayAsync(step.Hang ? Timeout.InfiniteTimeSpan : step.Delay, cancellationToken).ConfigureAwait(false);
            if (step.Dynamic is not null)
            {
                source = ToAsync(Complete(await step.Dynamic(request, cancellationToken).ConfigureAwait(false), options).ToChatResponseUpdates());
            }
            else if (step.Response is not null)
            {
                source = ToAsync(Complete(step.Response(options), options).ToChatResponseUpdates());
            }
            else if (step.Chunks is null && step.Updates is null)
            {
                throw step.Exception!;
            }
            else
            {
                source = StreamStepAsync(step, options, cancellationToken);
            }
        }

        await foreach (var update in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return update;
        }
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamStepAsync(Step step, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (step.Updates is { } updates)
        {
            foreach (var update in updates)
            {
                await DelayAsync(step.ChunkDelay, cancellationToken).ConfigureAwait(false);
                yield return update;
            }

            yield break;
        }

        string responseId = NextResponseId();
        string messageId = responseId + "-msg";
        string? modelId = options?.ModelId ?? ModelId;
        var createdAt = _timeProvider.GetUtcNow();
        foreach (string chunk in step.Chunks!)
        {
            await DelayAsync(step.ChunkDelay, cancellationToken).ConfigureAwait(false);
            yield return new ChatResponseUpdate(ChatRole.Assistant, chunk)
            {
                ResponseId = responseId,
                MessageId = messageId,
                ModelId = modelId,
                CreatedAt = createdAt,
            };
        }

        if (step.Exception is not null) throw step.Exception;

        var final = new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            ResponseId = responseId,
            MessageId = messageId,
            ModelId = modelId,
            CreatedAt = createdAt,
            FinishReason = ChatFinishReason.Stop,
        };
        if (step.Usage is not null) final.Contents.Add(new UsageContent(step.Usage));
        yield return final;
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> ToAsync(IEnumerable<ChatResponseUpdate> updates)
    {
        foreach (var update in updates) yield return update;
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private ScriptedChatClient EnqueueContents(IList<AIContent> contents, ChatFinishReason finishReason, UsageDetails? usage, TimeSpan? delay) =>
        Add(new Step
        {
            Delay = delay,
            Response = options => new ChatResponse(new ChatMessage(ChatRole.Assistant, [.. contents]))
            {
                FinishReason = finishReason,
                Usage = usage,
                ModelId = options?.ModelId ?? ModelId,
            },
        });

    private ScriptedChatClient Add(Step step)
    {
        lock (_gate) _script.Enqueue(step);
        return this;
    }

    private (ScriptedChatRequest Request, Step? Step) Begin(IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming)
    {
        int index = Interlocked.Increment(ref _callCount) - 1;
        bool record = RecordRequests;

        // Recorded requests are snapshots; unrecorded ones skip the copies so benchmark loops stay cheap.
        var request = record
            ? new ScriptedChatRequest { Index = index, Messages = [.. messages], Options = options?.Clone(), IsStreaming = streaming }
            : new ScriptedChatRequest { Index = index, Messages = messages as IReadOnlyList<ChatMessage> ?? [.. messages], Options = options, IsStreaming = streaming };
        lock (_gate)
        {
            if (record) _requests.Add(request);
            return (request, _script.TryDequeue(out var step) ? step : null);
        }
    }

    private ChatResponse Complete(ChatResponse response, ChatOptions? options)
    {
        response.ModelId ??= options?.ModelId ?? ModelId;
        response.ResponseId ??= NextResponseId();
        response.CreatedAt ??= _timeProvider.GetUtcNow();
        foreach (var message in response.Messages) message.MessageId ??= response.ResponseId + "-msg";
        return response;
    }

    private string NextResponseId() => $"scripted-{Interlocked.Increment(ref _responseCounter)}";

    private Task DelayAsync(TimeSpan? delay, CancellationToken cancellationToken) =>
        delay is { } d && d != TimeSpan.Zero ? Task.Delay(d, _timeProvider, cancellationToken) : Task.CompletedTask;

    private static InvalidOperationException Exhausted(ScriptedChatRequest request) =>
        new($"ScriptedChatClient has no scripted reply left for request #{request.Index + 1} (last message: '{Shorten(request.LastMessageText)}'). Enqueue more replies or set GetResponseAsyncCallback.");

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "...";

    private sealed class Step
    {
        public Func<ChatOptions?, ChatResponse>? Response { get; init; }

        public Func<ScriptedChatRequest, CancellationToken, Task<ChatResponse>>? Dynamic { get; init; }

        public Exception? Exception { get; init; }

        public string[]? Chunks { get; init; }

        public ChatResponseUpdate[]? Updates { get; init; }

        public UsageDetails? Usage { get; init; }

        public TimeSpan? Delay { get; init; }

        public TimeSpan? ChunkDelay { get; init; }

        public bool Hang { get; init; }
    }
}
