using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk;

/// <summary>Replaces older messages with a summary written by the model once the context exceeds a message count.</summary>
/// <remarks>
/// Only what is sent changes: the summary is a system message after the system prompt, and the stored transcript stays whole.
/// Pinned messages and the recent messages are kept verbatim. When summarizing fails, the recent messages are sent unsummarized.
/// Summaries are cached per summarized range, so an unchanged prefix is not summarized twice.
/// </remarks>
internal sealed class SummarizingChatReducer : IChatReducer
{
    internal const string DefaultInstructions =
        "Summarize the conversation below for a model that will continue it. Keep facts, decisions, names, numbers, " +
        "open questions and the user's preferences. Write plain prose, at most 200 words.";

    private readonly IChatClient _client;
    private readonly int _triggerCount;
    private readonly int _keepCount;
    private readonly string _instructions;
    private readonly ILogger _logger;
    private readonly ConditionalWeakTable<ChatMessage, Tuple<ChatMessage, string>> _cache = [];

    public SummarizingChatReducer(IChatClient client, int triggerCount, int keepCount, string? instructions = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(triggerCount, keepCount);
        _client = client;
        _triggerCount = triggerCount;
        _keepCount = keepCount;
        _instructions = string.IsNullOrWhiteSpace(instructions) ? DefaultInstructions : instructions;
        _logger = logger ?? NullLogger.Instance;
    }

    public async Task<IEnumerable<ChatMessage>> ReduceAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var context = ChatContext.Create(messages);
        int conversational = context.Count - context.System.Count;
        if (conversational <= _triggerCount)
        {
            return context.Assemble(AllKept(context));
        }

        var keep = context.KeepSuffix(_keepCount, static unit => unit.Messages.Count, pinnedCount: false);
        var older = new List<ChatMessage>();
        foreach (var unit in context.Units)
        {
            if (!keep[unit.Index])
            {
                older.AddRange(unit.Messages);
            }
        }

        if (older.Count == 0)
        {
            return context.Assemble(keep);
        }

        string? summary = await SummarizeAsync(older, cancellationToken).ConfigureAwait(false);
        var summaryMessage = summary is null ? null : new ChatMessage(ChatRole.System, "Summary of the earlier conversation: " + summary);
        return context.Assemble(keep, summaryMessage);
    }

    private static bool[] AllKept(ChatContext context)
    {
        var keep = new bool[context.Units.Count];
        Array.Fill(keep, true);
        return keep;
    }

    private async Task<string?> SummarizeAsync(List<ChatMessage> older, CancellationToken cancellationToken)
    {
        var first = older[0];
        var last = older[^1];
        if (_cache.TryGetValue(last, out var cached) && ReferenceEquals(cached.Item1, first))
        {
            return cached.Item2;
        }

        var transcript = new StringBuilder();
        foreach (var message in older)
        {
            transcript.Append(message.Role.Value).Append(": ");
            foreach (var content in message.Contents)
            {
                switch (content)
                {
                    case TextContent text:
                        transcript.Append(text.Text);
                        break;
                    case FunctionCallContent call:
                        transcript.Append("[called ").Append(call.Name).Append(']');
                        break;
                    case FunctionResultContent result:
                        transcript.Append("[tool result: ").Append(result.Result).Append(']');
                        break;
                    default:
                        break;
                }
            }

            transcript.Append('\n');
        }

        try
        {
            var response = await _client.GetResponseAsync(
                [new ChatMessage(ChatRole.System, _instructions), new ChatMessage(ChatRole.User, transcript.ToString())],
                new ChatOptions(),
                cancellationToken).ConfigureAwait(false);
            string summary = response.Text;
            if (string.IsNullOrWhiteSpace(summary))
            {
                return null;
            }

            _cache.AddOrUpdate(last, Tuple.Create(first, summary));
            return summary;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            ChatLog.SummarizationFailed(_logger, ex);
            return null;
        }
    }
}
