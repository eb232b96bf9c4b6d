using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using GenAI = Sessions.Sdk.SessionsTelemetry.GenAI;

namespace Sessions.Sdk;

/// <summary>Reports each model call as an OpenTelemetry GenAI span (<c>chat {model}</c>) and records duration and token metrics.</summary>
/// <remarks>Costs nothing beyond a few checks when no listener subscribes to <see cref="SessionsTelemetry.ActivitySourceName"/>.</remarks>
internal sealed class TelemetryChatClient : DelegatingChatClient
{
    private readonly string? _providerName;
    private readonly string? _defaultModelId;

    public TelemetryChatClient(IChatClient innerClient, string? providerName = null)
        : base(innerClient)
    {
        var metadata = innerClient.GetService<ChatClientMetadata>();
        _providerName = providerName ?? metadata?.ProviderName;
        _defaultModelId = metadata?.DefaultModelId;
    }

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        SessionsTelemetry.ActivitySource.HasListeners() || SessionsTelemetry.OperationDuration.Enabled || SessionsTelemetry.TokenUsage.Enabled
            ? GetObservedResponseAsync(messages, options, cancellationToken)
            : base.GetResponseAsync(messages, options, cancellationToken);

    private async Task<ChatResponse> GetObservedResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        string? requestModel = options?.ModelId ?? _defaultModelId;
        using Activity? activity = StartActivity(requestModel, options);
        long start = Stopwatch.GetTimestamp();
        ChatResponse? response = null;
        Exception? error = null;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch (Exception ex)
        {
            error = ex;
            throw;
        }
        finally
        {
            Complete(activity, requestModel, start, response?.ModelId, response?.ResponseId, response?.FinishReason, response?.Usage, error);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? requestModel = options?.ModelId ?? _defaultModelId;
        using Activity? activity = StartActivity(requestModel, options);
        long start = Stopwatch.GetTimestamp();
        string? responseModel = null, responseId = null;
        ChatFinishReason? finishReason = null;
        UsageDetails? usage = null;
        Exception? error = null;
        IAsyncEnumerator<ChatResponseUpdate>? enumerator = null;
        try
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    enumerator ??= base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    update = enumerator.Current;
                }
                catch (Exception ex)
                {
                    error = ex;
                    throw;
                }

                responseModel ??= update.ModelId;
                responseId ??= update.ResponseId;
                finishReason ??= update.FinishReason;
                var contents = update.Contents;
                for (int i = 0; i < contents.Count; i++)
                {
                    if (contents[i] is UsageContent u)
                    {
                        (usage ??= new UsageDetails()).Add(u.Details);
                    }
                }

                yield return update;
                Activity.Current = activity; // the iterator resumes on the caller's context
            }
        }
        finally
        {
            if (enumerator is not null)
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }

            Complete(activity, requestModel, start, responseModel, responseId, finishReason, usage, error);
        }
    }

    private Activity? StartActivity(string? requestModel, ChatOptions? options)
    {
        var source = SessionsTelemetry.ActivitySource;
        if (!source.HasListeners())
        {
            return null;
        }

        var activity = source.StartActivity(requestModel is null ? GenAI.Chat : string.Concat(GenAI.Chat, " ", requestModel), ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(GenAI.OperationName, GenAI.Chat);
            activity.SetTag(GenAI.RequestModel, requestModel);
            if (_providerName is not null)
            {
                activity.SetTag(GenAI.ProviderName, _providerName);
                activity.SetTag(GenAI.System, _providerName);
            }

            if (options?.Temperature is { } temperature)
            {
                activity.SetTag(GenAI.RequestTemperature, temperature);
            }

            if (options?.MaxOutputTokens is { } maxTokens)
            {
                activity.SetTag(GenAI.RequestMaxTokens, maxTokens);
            }
        }

        return activity;
    }

    private void Complete(
        Activity? activity, string? requestModel, long start, string? responseModel, string? responseId,
        ChatFinishReason? finishReason, UsageDetails? usage, Exception? error)
    {
        if (SessionsTelemetry.OperationDuration.Enabled)
        {
            var tags = BaseTags(requestModel, responseModel);
            if (error is not null)
            {
                tags.Add(GenAI.ErrorType, ErrorType(error));
            }

            SessionsTelemetry.OperationDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, tags);
        }

        if (SessionsTelemetry.TokenUsage.Enabled && usage is not null)
        {
            if (usage.InputTokenCount is { } input)
            {
                var tags = BaseTags(requestModel, responseModel);
                tags.Add(GenAI.TokenType, "input");
                SessionsTelemetry.TokenUsage.Record((int)Math.Min(input, int.MaxValue), tags);
            }

            if (usage.OutputTokenCount is { } output)
            {
                var tags = BaseTags(requestModel, responseModel);
                tags.Add(GenAI.TokenType, "output");
                SessionsTelemetry.TokenUsage.Record((int)Math.Min(output, int.MaxValue), tags);
            }
        }

        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        if (error is not null)
        {
            activity.SetTag(GenAI.ErrorType, ErrorType(error));
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
            return;
        }

        if (responseModel is not null)
        {
            activity.SetTag(GenAI.ResponseModel, responseModel);
        }

        if (responseId is not null)
        {
            activity.SetTag(GenAI.ResponseId, responseId);
        }

        if (finishReason is { } reason)
        {
            activity.SetTag(GenAI.ResponseFinishReasons, new[] { reason.Value });
        }

        if (usage?.InputTokenCount is { } inputTokens)
        {
            activity.SetTag(GenAI.UsageInputTokens, inputTokens);
        }

        if (usage?.OutputTokenCount is { } outputTokens)
        {
            activity.SetTag(GenAI.UsageOutputTokens, outputTokens);
        }
    }

    private TagList BaseTags(string? requestModel, string? responseModel)
    {
        var tags = new TagList { { GenAI.OperationName, GenAI.Chat } };
        if (requestModel is not null)
        {
            tags.Add(GenAI.RequestModel, requestModel);
        }

        if (_providerName is not null)
        {
            tags.Add(GenAI.ProviderName, _providerName);
        }

        if (responseModel is not null)
        {
            tags.Add(GenAI.ResponseModel, responseModel);
        }

        return tags;
    }

    private static string ErrorType(Exception error) => error switch
    {
        OperationCanceledException => "cancelled",
        ChatProviderException { StatusCode: { } status } => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => error.GetType().FullName ?? error.GetType().Name,
    };
}
