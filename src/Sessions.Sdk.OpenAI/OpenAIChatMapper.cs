using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AIChatFinishReason = Microsoft.Extensions.AI.ChatFinishReason;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AIChatResponseFormat = Microsoft.Extensions.AI.ChatResponseFormat;
using OpenAIChatFinishReason = OpenAI.Chat.ChatFinishReason;
using OpenAIChatMessage = OpenAI.Chat.ChatMessage;
using OpenAIChatResponseFormat = OpenAI.Chat.ChatResponseFormat;

namespace Sessions.Sdk;

/// <summary>Maps between Microsoft.Extensions.AI and OpenAI SDK chat types, mirroring Microsoft.Extensions.AI.OpenAI.</summary>
internal static class OpenAIChatMapper
{
    /// <summary>The additional-property key that carries an assistant refusal.</summary>
    public const string RefusalKey = "Refusal";

    private static readonly ChatRole DeveloperRole = new("developer");
    private static readonly JsonSerializerOptions JsonOptions = AIJsonUtilities.DefaultOptions;

    public static List<OpenAIChatMessage> ToOpenAIMessages(IEnumerable<AIChatMessage> messages, ChatOptions? options)
    {
        var result = new List<OpenAIChatMessage>();
        if (!string.IsNullOrWhiteSpace(options?.Instructions))
        {
            result.Add(new SystemChatMessage(options.Instructions));
        }

        foreach (var input in messages)
        {
            if (input.Role == ChatRole.System)
            {
                result.Add(new SystemChatMessage(input.Text) { ParticipantName = input.AuthorName });
            }
            else if (input.Role == DeveloperRole)
            {
                result.Add(new DeveloperChatMessage(input.Text) { ParticipantName = input.AuthorName });
            }
            else if (input.Role == ChatRole.Tool)
            {
                foreach (var content in input.Contents)
                {
                    if (content is FunctionResultContent functionResult)
                    {
                        result.Add(new ToolChatMessage(functionResult.CallId, SerializeResult(functionResult)));
                    }
                }
            }
            else if (input.Role == ChatRole.Assistant)
            {
                result.Add(ToAssistantMessage(input));
            }
            else
            {
                result.Add(new UserChatMessage(ToContentParts(input.Contents)) { ParticipantName = input.AuthorName });
            }
        }

        return result;
    }

    public static ChatCompletionOptions ToOpenAIOptions(ChatOptions? options, IChatClient client)
    {
        if (options is null)
        {
            return new ChatCompletionOptions();
        }

        var result = options.RawRepresentationFactory?.Invoke(client) as ChatCompletionOptions ?? new ChatCompletionOptions();
        result.Temperature ??= options.Temperature;
        result.TopP ??= options.TopP;
        result.MaxOutputTokenCount ??= options.MaxOutputTokens;
        result.FrequencyPenalty ??= options.FrequencyPenalty;
        result.PresencePenalty ??= options.PresencePenalty;
        result.AllowParallelToolCalls ??= options.AllowMultipleToolCalls;
        result.Seed ??= options.Seed;

        if (options.StopSequences is { Count: > 0 } stopSequences)
        {
            foreach (var stop in stopSequences)
            {
                result.StopSequences.Add(stop);
            }
        }

        if (options.Reasoning?.Effort is { } effort && result.ReasoningEffortLevel is null)
        {
            result.ReasoningEffortLevel = effort switch
            {
                ReasoningEffort.Low => ChatReasoningEffortLevel.Low,
                ReasoningEffort.Medium => ChatReasoningEffortLevel.Medium,
                ReasoningEffort.High => ChatReasoningEffortLevel.High,
                _ => null,
            };
        }

        if (options.Tools is { Count: > 0 } tools)
        {
            foreach (var tool in tools)
            {
                if (tool is AIFunctionDeclaration function)
                {
                    result.Tools.Add(ToChatTool(function));
                }
            }

            if (result.Tools.Count > 0 && result.ToolChoice is null)
            {
                result.ToolChoice = options.ToolMode switch
                {
                    NoneChatToolMode => ChatToolChoice.CreateNoneChoice(),
                    RequiredChatToolMode { RequiredFunctionName: { } functionName } => ChatToolChoice.CreateFunctionChoice(functionName),
                    RequiredChatToolMode => ChatToolChoice.CreateRequiredChoice(),
                    _ => ChatToolChoice.CreateAutoChoice(),
                };
            }
        }

        if (result.ResponseFormat is null)
        {
            result.ResponseFormat = options.ResponseFormat switch
            {
                ChatResponseFormatText => OpenAIChatResponseFormat.CreateTextFormat(),
                ChatResponseFormatJson { Schema: { } schema } json => OpenAIChatResponseFormat.CreateJsonSchemaFormat(
                    json.SchemaName ?? "json_schema",
                    BinaryData.FromString(schema.GetRawText()),
                    json.SchemaDescription,
                    GetStrict(options.AdditionalProperties)),
                ChatResponseFormatJson => OpenAIChatResponseFormat.CreateJsonObjectFormat(),
                _ => null,
            };
        }

        return result;
    }

    public static ChatResponse FromCompletion(ChatCompletion completion)
    {
        var message = new AIChatMessage
        {
            Role = FromRole(completion.Role),
            MessageId = completion.Id,
            CreatedAt = completion.CreatedAt,
            RawRepresentation = completion,
        };

        foreach (var part in completion.Content)
        {
            if (ToAIContent(part) is { } content)
            {
                message.Contents.Add(content);
            }
        }

        foreach (var toolCall in completion.ToolCalls)
        {
            if (!string.IsNullOrWhiteSpace(toolCall.FunctionName))
            {
                var call = ParseFunctionCall(toolCall.FunctionArguments?.ToString(), toolCall.Id, toolCall.FunctionName);
                call.RawRepresentation = toolCall;
                message.Contents.Add(call);
            }
        }

        if (!string.IsNullOrEmpty(completion.Refusal))
        {
            (message.AdditionalProperties ??= [])[RefusalKey] = completion.Refusal;
        }

        return new ChatResponse(message)
        {
            ResponseId = completion.Id,
            ModelId = completion.Model,
            CreatedAt = completion.CreatedAt,
            FinishReason = FromFinishReason(completion.FinishReason),
            Usage = completion.Usage is { } usage ? FromUsage(usage) : null,
            RawRepresentation = completion,
        };
    }

    public static UsageDetails FromUsage(ChatTokenUsage usage)
    {
        var details = new UsageDetails
        {
            InputTokenCount = usage.InputTokenCount,
            OutputTokenCount = usage.OutputTokenCount,
            TotalTokenCount = usage.TotalTokenCount,
        };

        if (usage.InputTokenDetails is { } input)
        {
            details.CachedInputTokenCount = input.CachedTokenCount;
            (details.AdditionalCounts ??= [])["InputTokenDetails.CachedTokenCount"] = input.CachedTokenCount;
            details.AdditionalCounts["InputTokenDetails.AudioTokenCount"] = input.AudioTokenCount;
        }

        if (usage.OutputTokenDetails is { } output)
        {
            details.ReasoningTokenCount = output.ReasoningTokenCount;
            (details.AdditionalCounts ??= [])["OutputTokenDetails.ReasoningTokenCount"] = output.ReasoningTokenCount;
            details.AdditionalCounts["OutputTokenDetails.AudioTokenCount"] = output.AudioTokenCount;
        }

        return details;
    }

    public static ChatRole FromRole(ChatMessageRole role) => role switch
    {
        ChatMessageRole.System => ChatRole.System,
        ChatMessageRole.User => ChatRole.User,
        ChatMessageRole.Assistant => ChatRole.Assistant,
        ChatMessageRole.Tool => ChatRole.Tool,
        ChatMessageRole.Developer => DeveloperRole,
        _ => new ChatRole(role.ToString()),
    };

    public static AIChatFinishReason? FromFinishReason(OpenAIChatFinishReason? finishReason) => finishReason switch
    {
        null => null,
        OpenAIChatFinishReason.Stop => AIChatFinishReason.Stop,
        OpenAIChatFinishReason.Length => AIChatFinishReason.Length,
        OpenAIChatFinishReason.ContentFilter => AIChatFinishReason.ContentFilter,
        OpenAIChatFinishReason.ToolCalls or OpenAIChatFinishReason.FunctionCall => AIChatFinishReason.ToolCalls,
        _ => new AIChatFinishReason(finishReason.Value.ToString()),
    };

    public static AIContent? ToAIContent(ChatMessageContentPart part)
    {
        AIContent? content = part.Kind == ChatMessageContentPartKind.Text ? new TextContent(part.Text)
            : part.Kind == ChatMessageContentPartKind.Image && part.ImageUri is { } uri ? new UriContent(uri, "image/*")
            : part.Kind == ChatMessageContentPartKind.Image && part.ImageBytes is { } bytes ? new DataContent(bytes.ToMemory(), part.ImageBytesMediaType ?? "image/*")
            : null;
        if (content is not null)
        {
            content.RawRepresentation = part;
        }

        return content;
    }

    public static FunctionCallContent ParseFunctionCall(string? json, string callId, string name) =>
        FunctionCallContent.CreateFromParsedArguments(
            string.IsNullOrWhiteSpace(json) ? "{}" : json,
            callId,
            name,
            static text => JsonSerializer.Deserialize(text, JsonOptions.GetTypeInfo(typeof(IDictionary<string, object?>))) as IDictionary<string, object?>);

    private static AssistantChatMessage ToAssistantMessage(AIChatMessage input)
    {
        var parts = new List<ChatMessageContentPart>();
        var toolCalls = new List<ChatToolCall>();
        foreach (var content in input.Contents)
        {
            switch (content)
            {
                case TextContent text when !string.IsNullOrEmpty(text.Text):
                    parts.Add(ChatMessageContentPart.CreateTextPart(text.Text));
                    break;
                case FunctionCallContent call:
                    var arguments = JsonSerializer.SerializeToUtf8Bytes(
                        call.Arguments ?? new Dictionary<string, object?>(),
                        JsonOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
                    toolCalls.Add(ChatToolCall.CreateFunctionToolCall(call.CallId, call.Name, BinaryData.FromBytes(arguments)));
                    break;
            }
        }

        AssistantChatMessage message;
        if (parts.Count == 0 && toolCalls.Count > 0)
        {
            message = new AssistantChatMessage(toolCalls);
        }
        else
        {
            message = parts.Count == 0 ? new AssistantChatMessage(string.Empty) : new AssistantChatMessage(parts);
            foreach (var toolCall in toolCalls)
            {
                message.ToolCalls.Add(toolCall);
            }
        }

        message.ParticipantName = input.AuthorName;
        if (input.AdditionalProperties?.TryGetValue(RefusalKey, out string? refusal) is true)
        {
            message.Refusal = refusal;
        }

        return message;
    }

    private static List<ChatMessageContentPart> ToContentParts(IList<AIContent> contents)
    {
        var parts = new List<ChatMessageContentPart>();
        foreach (var content in contents)
        {
            switch (content)
            {
                case TextContent text:
                    parts.Add(ChatMessageContentPart.CreateTextPart(text.Text));
                    break;
                case UriContent uri when uri.HasTopLevelMediaType("image"):
                    parts.Add(ChatMessageContentPart.CreateImagePart(uri.Uri));
                    break;
                case DataContent data when data.HasTopLevelMediaType("image"):
                    parts.Add(ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(data.Data), data.MediaType));
                    break;
                case DataContent data when data.MediaType.Equals("audio/mpeg", StringComparison.OrdinalIgnoreCase):
                    parts.Add(ChatMessageContentPart.CreateInputAudioPart(BinaryData.FromBytes(data.Data), ChatInputAudioFormat.Mp3));
                    break;
                case DataContent data when data.MediaType.Equals("audio/wav", StringComparison.OrdinalIgnoreCase):
                    parts.Add(ChatMessageContentPart.CreateInputAudioPart(BinaryData.FromBytes(data.Data), ChatInputAudioFormat.Wav));
                    break;
            }
        }

        if (parts.Count == 0)
        {
            parts.Add(ChatMessageContentPart.CreateTextPart(string.Empty));
        }

        return parts;
    }

    private static ChatTool ToChatTool(AIFunctionDeclaration function)
    {
        var strict = GetStrict(function.AdditionalProperties);
        return ChatTool.CreateFunctionTool(function.Name, function.Description, ToToolParameters(function.JsonSchema, strict is true), strict);
    }

    /// <summary>Keeps only what the function-parameters object needs (type, properties, required, $defs).</summary>
    private static BinaryData ToToolParameters(JsonElement schema, bool strict)
    {
        var source = schema.ValueKind == JsonValueKind.Object ? JsonNode.Parse(schema.GetRawText()) as JsonObject : null;
        var parameters = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = source?["properties"]?.DeepClone() ?? new JsonObject(),
        };
        if (source?["required"] is JsonArray required)
        {
            parameters["required"] = required.DeepClone();
        }

        if (source?["$defs"] is { } definitions)
        {
            parameters["$defs"] = definitions.DeepClone();
        }

        if (strict)
        {
            parameters["additionalProperties"] = false;
        }
        else if (source?["additionalProperties"] is { } additional)
        {
            parameters["additionalProperties"] = additional.DeepClone();
        }

        return BinaryData.FromString(parameters.ToJsonString());
    }

    private static bool? GetStrict(IReadOnlyDictionary<string, object?>? properties) =>
        properties is null ? null
        : properties.TryGetValue("strictJsonSchema", out var value) && value is bool strictJson ? strictJson
        : properties.TryGetValue("Strict", out value) && value is bool strict ? strict
        : null;

    private static string SerializeResult(FunctionResultContent functionResult)
    {
        switch (functionResult.Result)
        {
            case null:
                return functionResult.Exception is null ? string.Empty : "Error: Function failed.";
            case string text:
                return text;
            case JsonElement element:
                return element.GetRawText();
            case AIContent content when content is TextContent text:
                return text.Text;
            default:
                try
                {
                    return JsonSerializer.Serialize(functionResult.Result, JsonOptions.GetTypeInfo(typeof(object)));
                }
                catch (NotSupportedException)
                {
                    return functionResult.Result.ToString() ?? string.Empty;
                }
        }
    }
}
