using Microsoft.Extensions.AI;

namespace Sessions.Plans;

/// <summary>A stand-in model for the offline sample: writes a fixed plan as JSON and "carries out" steps after a short pause.</summary>
internal sealed class OfflinePlannerChatClient : IChatClient
{
    private const string PlanJson = """
        {"title":"Build a REST API with authentication","steps":[
          {"id":"step-1","title":"Create project structure","description":"Set up the project and its folders","dependencies":[]},
          {"id":"step-2","title":"Define data models","description":"User and Token models","dependencies":["step-1"]},
          {"id":"step-3","title":"Configure the database","description":"Migrations for users and tokens","dependencies":["step-1"]},
          {"id":"step-4","title":"Implement authentication","description":"JWT login and logout endpoints","dependencies":["step-2","step-3"]},
          {"id":"step-5","title":"Write tests","description":"Auth flow tests","dependencies":["step-4"]}
        ]}
        """;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var last = messages.Last().Text;
        if (options?.ResponseFormat is ChatResponseFormatJson || last.Contains("JSON schema", StringComparison.Ordinal))
        {
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, PlanJson));
        }

        await Task.Delay(300, cancellationToken);   // pretend to work
        var firstLine = last.Split('\n')[0];
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, "Done: " + firstLine));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var update in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
