using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using GenAI = Sessions.Sdk.SessionsTelemetry.GenAI;

namespace Sessions.Sdk;

/// <summary>Invokes the functions a model asks for and sends the results back, round after round, up to a limit.</summary>
/// <remarks>
/// Mirrors M.E.AI's FunctionInvokingChatClient: unknown functions and failing functions become error results the model sees;
/// several calls in one response may run concurrently; after <see cref="ToolInvocationOptions.MaxIterations"/> rounds the model
/// is asked to answer with tool mode none. A <see cref="SessionChatOptions.ToolStepCallback"/> is told of each round as it completes.
/// Thread-safe when the tools are.
/// </remarks>
internal sealed class ToolInvokingChatClient : DelegatingChatClient
{
    private const string NotInvokedMessage = "Error: The tool-call limit for this turn was reached; the function was not invoked.";

    private readonly ToolInvocationOptions _options;
    private readonly ILogger _logger;
    private readonly IServiceProvider? _services;

    public ToolInvokingChatClient(IChatClient innerClient, ToolInvocationOptions options, ILogger? logger = null, IServiceProvider? services = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _services = services;
    }

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return HasTools(options) ? GetResponseWithToolsAsync(messages, options, cancellationToken) : base.GetResponseAsync(messages, options, cancellationToken);
    }

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return HasTools(options) ? GetStreamingResponseWithToolsAsync(messages, options, cancellationToken) : base.GetStreamingResponseAsync(messages, options, cancellationToken);
    }

    private async Task<ChatResponse> GetResponseWithToolsAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var session = options as SessionChatOptions;
        int maxIterations = session?.MaxToolIterations ?? _options.MaxIterations;
        var history = new List<ChatMessage>(messages);
        List<ChatMessage>? allMessages = null;
        UsageDetails? totalUsage = null;
        int consecutiveErrors = 0;
        ChatOptions? current = maxIterations == 0 ? WithoutTools(options) : options;
        for (int iteration = 0; ; iteration++)
        {
            long start = Stopwatch.GetTimestamp();
            var response = await base.GetResponseAsync(history, current, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("The inner chat client returned a null ChatResponse.");
            var latency = Stopwatch.GetElapsedTime(start);
            var calls = CollectCalls(response.Messages);
            if (calls is null && (iteration == 0 || session?.ToolStepCallback is not null))
            {
                return response;
            }

            (allMessages ??= []).AddRange(response.Messages);
            AddUsage(ref totalUsage, response.Usage);
            if (calls is null)
            {
                response.Messages = allMessages;
                response.Usage = totalUsage;
                return response;
            }

            bool limitReached = iteration >= maxIterations;
            var results = limitReached ? NotInvoked(calls) : await InvokeAsync(calls, current, cancellationToken).ConfigureAwait(false);
            var toolMessage = new ChatMessage(ChatRole.Tool, results) { MessageId = NewMessageId() };
            history.AddRange(response.Messages);
            history.Add(toolMessage);
            allMessages.Add(toolMessage);
            if (session?.ToolStepCallback is { } callback)
            {
                await callback(new ChatToolStep(iteration, response, toolMessage, latency), cancellationToken).ConfigureAwait(false);
            }

            if (limitReached)
            {
                // The model ignored tool mode none; the unanswered calls got error results so the history stays valid.
                response.Messages = session?.ToolStepCallback is not null ? [] : allMessages;
                response.Usage = session?.ToolStepCallback is not null ? response.Usage : totalUsage;
                return response;
            }

            consecutiveErrors = CheckErrors(results, consecutiveErrors);
            current = NextOptions(current, iteration + 1 >= maxIterations, maxIterations);
        }
    }

    private async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseWithToolsAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var session = options as SessionChatOptions;
        int maxIterations = session?.MaxToolIterations ?? _options.MaxIterations;
        var history = new List<ChatMessage>(messages);
        var updates = new List<ChatResponseUpdate>();
        int consecutiveErrors = 0;
        ChatOptions? current = maxIterations == 0 ? WithoutTools(options) : options;
        for (int iteration = 0; ; iteration++)
        {
            updates.Clear();
            bool anyCall = false;
            long start = Stopwatch.GetTimestamp();
            await foreach (var update in base.GetStreamingResponseAsync(history, current, cancellationToken).ConfigureAwait(false))
            {
                updates.Add(update);
                anyCall |= HasCall(update.Contents);
                yield return update;
            }

            if (!anyCall)
            {
                yield break;
            }

            var latency = Stopwatch.GetElapsedTime(start);
            var response = updates.ToChatResponse();
            var calls = CollectCalls(response.Messages);
            if (calls is null)
            {
                yield break;
            }

            bool limitReached = iteration >= maxIterations;
            var results = limitReached ? NotInvoked(calls) : await InvokeAsync(calls, current, cancellationToken).ConfigureAwait(false);
            var toolMessage = new ChatMessage(ChatRole.Tool, results) { MessageId = NewMessageId() };
            history.AddRange(response.Messages);
            history.Add(toolMessage);
            if (session?.ToolStepCallback is { } callback)
            {
                await callback(new ChatToolStep(iteration, response, toolMessage, latency), cancellationToken).ConfigureAwait(false);
            }

            yield return new ChatResponseUpdate(ChatRole.Tool, toolMessage.Contents)
            {
                MessageId = toolMessage.MessageId,
                ResponseId = response.ResponseId,
                ConversationId = response.ConversationId,
            };

            if (limitReached)
            {
                yield break;
            }

            consecutiveErrors = CheckErrors(results, consecutiveErrors);
            current = NextOptions(current, iteration + 1 >= maxIterations, maxIterations);
        }
    }

    private bool HasTools(ChatOptions? options) =>
        options?.Tools is { Count: > 0 } || _options.AdditionalTools.Count > 0;

    private static bool HasCall(IList<AIContent> contents)
    {
        for (int i = 0; i < contents.Count; i++)
        {
            if (contents[i] is FunctionCallContent { InformationalOnly: false })
            {
                return true;
            }
        }

        return false;
    }

    private static List<FunctionCallContent>? CollectCalls(IList<ChatMessage> messages)
    {
        List<FunctionCallContent>? calls = null;
        for (int m = 0; m < messages.Count; m++)
        {
            var contents = messages[m].Contents;
            for (int i = 0; i < contents.Count; i++)
            {
                if (contents[i] is FunctionCallContent { InformationalOnly: false } call)
                {
                    (calls ??= []).Add(call);
                }
            }
        }

        return calls;
    }

    private static void AddUsage(ref UsageDetails? total, UsageDetails? usage)
    {
        if (usage is null)
        {
            return;
        }

        if (total is null)
        {
            total = new UsageDetails();
        }

        total.Add(usage);
    }

    private static ChatOptions? WithoutTools(ChatOptions? options)
    {
        if (options is null)
        {
            return null;
        }

        var clone = options.Clone();
        clone.ToolMode = ChatToolMode.None;
        return clone;
    }

    private ChatOptions? NextOptions(ChatOptions? current, bool lastRound, int maxIterations)
    {
        if (lastRound)
        {
            ChatLog.ToolIterationLimitReached(_logger, maxIterations);
            return WithoutTools(current);
        }

        // A required tool mode would force a call every round; after the first round the model may answer freely.
        if (current?.ToolMode is RequiredChatToolMode)
        {
            var clone = current.Clone();
            clone.ToolMode = null;
            return clone;
        }

        return current;
    }

    private int CheckErrors(List<AIContent> results, int consecutiveErrors)
    {
        List<Exception>? errors = null;
        foreach (var content in results)
        {
            if (content is FunctionResultContent { Exception: { } ex })
            {
                (errors ??= []).Add(ex);
            }
        }

        if (errors is null)
        {
            return 0;
        }

        consecutiveErrors++;
        if (consecutiveErrors > _options.MaxConsecutiveErrors)
        {
            if (errors.Count == 1)
            {
                ExceptionDispatchInfo.Capture(errors[0]).Throw();
            }

            throw new AggregateException(errors);
        }

        return consecutiveErrors;
    }

    private static List<AIContent> NotInvoked(List<FunctionCallContent> calls)
    {
        var results = new List<AIContent>(calls.Count);
        foreach (var call in calls)
        {
            results.Add(new FunctionResultContent(call.CallId, NotInvokedMessage));
        }

        return results;
    }

    private async Task<List<AIContent>> InvokeAsync(List<FunctionCallContent> calls, ChatOptions? options, CancellationToken cancellationToken)
    {
        var results = new List<AIContent>(calls.Count);
        if (calls.Count > 1 && _options.AllowConcurrentInvocation)
        {
            var tasks = new Task<FunctionResultContent>[calls.Count];
            for (int i = 0; i < calls.Count; i++)
            {
                tasks[i] = InvokeOneAsync(calls[i], options, cancellationToken);
            }

            results.AddRange(await Task.WhenAll(tasks).ConfigureAwait(false));
        }
        else
        {
            foreach (var call in calls)
            {
                results.Add(await InvokeOneAsync(call, options, cancellationToken).ConfigureAwait(false));
            }
        }

        return results;
    }

    private async Task<FunctionResultContent> InvokeOneAsync(FunctionCallContent call, ChatOptions? options, CancellationToken cancellationToken)
    {
        var function = Find(options?.Tools, call.Name) ?? Find(_options.AdditionalTools, call.Name);
        if (function is null)
        {
            ChatLog.ToolNotFound(_logger, call.Name, call.CallId);
            return new FunctionResultContent(call.CallId, $"Error: Requested function \"{call.Name}\" not found.");
        }

        using var activity = StartToolActivity(function, call);
        long start = Stopwatch.GetTimestamp();
        if (_logger.IsEnabled(LogLevel.Trace))
        {
            ChatLog.ToolInvokingContent(_logger, call.Name, call.CallId, ChatLog.ToJson(call.Arguments));
        }
        else
        {
            ChatLog.ToolInvoking(_logger, call.Name, call.CallId);
        }

        try
        {
            var arguments = new AIFunctionArguments(call.Arguments) { Services = _services };
            object? result = await function.InvokeAsync(arguments, cancellationToken).ConfigureAwait(false);
            ChatLog.ToolCompleted(_logger, call.Name, call.CallId, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (_logger.IsEnabled(LogLevel.Trace))
            {
                ChatLog.ToolCompletedContent(_logger, call.Name, call.CallId, ChatLog.ToJson(result));
            }

            return new FunctionResultContent(call.CallId, result ?? "Success: Function completed.");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            ChatLog.ToolFailed(_logger, call.Name, call.CallId, ex);
            if (activity is not null)
            {
                activity.SetTag(GenAI.ErrorType, ex.GetType().FullName);
                activity.SetStatus(ActivityStatusCode.Error, ex.Message);
            }

            string message = _options.IncludeDetailedErrors ? $"Error: Function failed. Exception: {ex.Message}" : "Error: Function failed.";
            return new FunctionResultContent(call.CallId, message) { Exception = ex };
        }
    }

    private static Activity? StartToolActivity(AIFunction function, FunctionCallContent call)
    {
        var source = SessionsTelemetry.ActivitySource;
        if (!source.HasListeners())
        {
            return null;
        }

        var activity = source.StartActivity(string.Concat(GenAI.ExecuteTool, " ", function.Name), ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(GenAI.OperationName, GenAI.ExecuteTool);
            activity.SetTag(GenAI.ToolName, function.Name);
            activity.SetTag(GenAI.ToolCallId, call.CallId);
        }

        return activity;
    }

    private static AIFunction? Find(IList<AITool>? tools, string name)
    {
        if (tools is null)
        {
            return null;
        }

        // Later entries win, so a session's own tool overrides a global one of the same name.
        for (int i = tools.Count - 1; i >= 0; i--)
        {
            if (tools[i] is AIFunction function && string.Equals(function.Name, name, StringComparison.Ordinal))
            {
                return function;
            }
        }

        return null;
    }

    private static string NewMessageId() => Guid.NewGuid().ToString("N");
}
