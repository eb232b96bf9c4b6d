using System.Text;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AIChatFinishReason = Microsoft.Extensions.AI.ChatFinishReason;

namespace Sessions.Sdk;

/// <summary>Accumulates what a streamed chat completion spreads over its chunks: role, finish reason, ids and tool calls by index.</summary>
internal sealed class OpenAIStreamingState
{
    private SortedDictionary<int, FunctionCallBuilder>? _functionCalls;
    private StringBuilder? _refusal;
    private ChatRole? _role;
    private string? _responseId;
    private string? _modelId;
    private DateTimeOffset? _createdAt;

    /// <summary>Gets the finish reason once a chunk carried one.</summary>
    public AIChatFinishReason? FinishReason { get; private set; }

    public ChatResponseUpdate Map(StreamingChatCompletionUpdate update)
    {
        _role ??= update.Role is { } role ? OpenAIChatMapper.FromRole(role) : null;
        FinishReason ??= OpenAIChatMapper.FromFinishReason(update.FinishReason);
        _responseId ??= string.IsNullOrEmpty(update.CompletionId) ? null : update.CompletionId;
        _modelId ??= string.IsNullOrEmpty(update.Model) ? null : update.Model;
        _createdAt ??= update.CreatedAt == default ? null : update.CreatedAt;

        var result = NewUpdate();
        result.RawRepresentation = update;
        if (update.ContentUpdate is { Count: > 0 } parts)
        {
            foreach (var part in parts)
            {
                if (OpenAIChatMapper.ToAIContent(part) is { } content)
                {
                    result.Contents.Add(content);
                }
            }
        }

        if (!string.IsNullOrEmpty(update.RefusalUpdate))
        {
            (_refusal ??= new()).Append(update.RefusalUpdate);
        }

        if (update.ToolCallUpdates is { Count: > 0 } toolCalls)
        {
            foreach (var toolCall in toolCalls)
            {
                _functionCalls ??= [];
                if (!_functionCalls.TryGetValue(toolCall.Index, out var builder))
                {
                    _functionCalls[toolCall.Index] = builder = new FunctionCallBuilder();
                }

                builder.CallId ??= string.IsNullOrEmpty(toolCall.ToolCallId) ? null : toolCall.ToolCallId;
                builder.Name ??= string.IsNullOrEmpty(toolCall.FunctionName) ? null : toolCall.FunctionName;
                if (toolCall.FunctionArgumentsUpdate is { } arguments && !arguments.ToMemory().IsEmpty)
                {
                    builder.Arguments.Append(arguments.ToString());
                }
            }
        }

        if (update.Usage is { } usage)
        {
            result.Contents.Add(new UsageContent(OpenAIChatMapper.FromUsage(usage)));
        }

        return result;
    }

    /// <summary>Returns one update holding every streamed tool call, parsed, or <see langword="null"/> when there were none.</summary>
    public ChatResponseUpdate? CompleteFunctionCalls()
    {
        if (_functionCalls is null)
        {
            return null;
        }

        var result = NewUpdate();
        foreach (var (index, builder) in _functionCalls)
        {
            if (!string.IsNullOrWhiteSpace(builder.Name))
            {
                result.Contents.Add(OpenAIChatMapper.ParseFunctionCall(
                    builder.Arguments.ToString(), builder.CallId ?? $"call_{index}", builder.Name));
            }
        }

        return result.Contents.Count == 0 ? null : result;
    }

    /// <summary>Returns an update carrying the accumulated refusal, or <see langword="null"/> when there was none.</summary>
    public ChatResponseUpdate? RefusalUpdate()
    {
        if (_refusal is null)
        {
            return null;
        }

        var result = NewUpdate();
        result.AdditionalProperties = new() { [OpenAIChatMapper.RefusalKey] = _refusal.ToString() };
        return result;
    }

    private ChatResponseUpdate NewUpdate() => new()
    {
        ResponseId = _responseId,
        MessageId = _responseId,
        CreatedAt = _createdAt,
        ModelId = _modelId,
        Role = _role,
        FinishReason = FinishReason,
    };

    private sealed class FunctionCallBuilder
    {
        public string? CallId { get; set; }

        public string? Name { get; set; }

        public StringBuilder Arguments { get; } = new();
    }
}
