using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Approximates token counts when the provider gives none: about four characters per token plus a per-message overhead.</summary>
internal static class ChatTokenEstimator
{
    private const int MessageOverhead = 4;
    private const int BinaryContentTokens = 1024;

    public static int Estimate(ChatMessage message)
    {
        long chars = 0;
        int extra = MessageOverhead;
        var contents = message.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case TextContent text:
                    chars += text.Text?.Length ?? 0;
                    break;
                case TextReasoningContent reasoning:
                    chars += reasoning.Text?.Length ?? 0;
                    break;
                case FunctionCallContent call:
                    chars += call.Name.Length + call.CallId.Length;
                    if (call.Arguments is not null)
                    {
                        foreach (var argument in call.Arguments)
                        {
                            chars += argument.Key.Length + 4 + (argument.Value?.ToString()?.Length ?? 4);
                        }
                    }

                    break;
                case FunctionResultContent result:
                    chars += result.CallId.Length + (result.Result?.ToString()?.Length ?? 4);
                    break;
                case DataContent or UriContent:
                    extra += BinaryContentTokens;
                    break;
                default:
                    break;
            }
        }

        return (int)Math.Min(int.MaxValue, extra + ((chars + 3) / 4));
    }
}
