using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

public sealed class ChatPipelineBuilderTests
{
    [Test]
    public void Build_NoSteps_ReturnsInnerClient()
    {
        var inner = new PipelineTestChatClient();

        var client = new ChatPipelineBuilder(inner).Build();

        Assert.That(client, Is.SameAs(inner));
    }

    [Test]
    public async Task Build_SeveralSteps_FirstAddedIsOutermost()
    {
        var order = new List<string>();
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Text("hi"));
        var client = new ChatPipelineBuilder(inner)
            .Use(c => new RecordingClient(c, "outer", order))
            .Use((c, _) => new RecordingClient(c, "inner", order))
            .Build();

        await client.GetResponseAsync("hello");

        Assert.That(order, Is.EqualTo(new[] { "outer", "inner" }));
    }

    [Test]
    public void Build_StepReturnsNull_ThrowsInvalidOperation()
    {
        var builder = new ChatPipelineBuilder(new PipelineTestChatClient()).Use(_ => null!);

        var ex = Assert.Throws<InvalidOperationException>(() => builder.Build());

        Assert.That(ex!.Message, Does.Contain("returned null"));
    }

    [Test]
    public void Constructor_NullClient_ThrowsWithParamName()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => new ChatPipelineBuilder(null!));

        Assert.That(ex!.ParamName, Is.EqualTo("innerClient"));
    }

    private sealed class RecordingClient(IChatClient inner, string name, List<string> order) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            order.Add(name);
            return base.GetResponseAsync(messages, options, cancellationToken);
        }
    }
}
