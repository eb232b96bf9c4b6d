using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Sessions.EditSample;

/// <summary>A stand-in model that runs offline: it answers an edit request with a fixed proposal (first with a mistake, to show the repair round).</summary>
internal sealed class OfflineEditModel : IChatClient
{
    private int _calls;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (options?.Tools is { Count: > 0 })
        {
            // Tool-call proposals: one edit_append call, then (after the library's "accepted" result) a one-line summary.
            var reply = messages.Last().Role == ChatRole.Tool
                ? new ChatMessage(ChatRole.Assistant, "Added a closing comment.")
                : new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", "edit_append", new Dictionary<string, object?> { ["path"] = "src/main.py", ["text"] = "# end of file\n" })]);
            return Task.FromResult(new ChatResponse(reply) { ModelId = "offline-edit-model" });
        }


        // The first answer names old text that is not in the file; the library sends the exact error back once, and the second answer is right.
        string json = Interlocked.Increment(ref _calls) == 1
            ? """{"operations":[{"type":"replace","path":"src/main.py","oldText":"def helo():","newText":"def hello_world():"}]}"""
            : """{"operations":[{"type":"replace","path":"src/main.py","oldText":"hello(","newText":"hello_world(","all":true}]}""";
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, json)) { ModelId = "offline-edit-model" });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
