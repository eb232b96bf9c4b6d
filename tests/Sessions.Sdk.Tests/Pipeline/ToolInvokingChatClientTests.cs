using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

public sealed class ToolInvokingChatClientTests
{
    private static readonly AIFunction Add = AIFunctionFactory.Create((int a, int b) => a + b, "add");

    private static Dictionary<string, object?> Args(int a, int b) => new() { ["a"] = a, ["b"] = b };

    private static ToolInvokingChatClient Create(IChatClient inner, Action<ToolInvocationOptions>? configure = null)
    {
        var options = new ToolInvocationOptions();
        configure?.Invoke(options);
        return new ToolInvokingChatClient(inner, options);
    }

    [Test]
    public async Task GetResponseAsync_NoTools_ReturnsInnerResponseUnchanged()
    {
        var expected = PipelineTestChatClient.Text("hi");
        var inner = PipelineTestChatClient.Scripted(expected);

        var response = await Create(inner).GetResponseAsync("hello");

        Assert.That(response, Is.SameAs(expected));
        Assert.That(inner.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task GetResponseAsync_ModelCallsTool_InvokesItAndSendsResultBack()
    {
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Call(("c1", "add", Args(2, 3))), PipelineTestChatClient.Text("5"));

        var response = await Create(inner).GetResponseAsync([new ChatMessage(ChatRole.User, "2+3?")], new ChatOptions { Tools = [Add] });

        Assert.That(inner.Calls, Is.EqualTo(2));
        var second = inner.Requests[1].Messages;
        Assert.That(second, Has.Count.EqualTo(3));
        var result = second[2].Contents.OfType<FunctionResultContent>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(second[2].Role, Is.EqualTo(ChatRole.Tool));
            Assert.That(result.CallId, Is.EqualTo("c1"));
            Assert.That(result.Result?.ToString(), Is.EqualTo("5"));
            Assert.That(response.Messages, Has.Count.EqualTo(3), "call, result and answer, like M.E.AI");
            Assert.That(response.Text, Is.EqualTo("5"));
            Assert.That(response.Usage!.InputTokenCount, Is.EqualTo(30), "usage summed over rounds");
        });
    }

    [Test]
    public async Task GetResponseAsync_SeveralCalls_RunsThemConcurrently()
    {
        var bothStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int started = 0;
        var wait = AIFunctionFactory.Create(async (string name) =>
        {
            if (Interlocked.Increment(ref started) == 2) bothStarted.SetResult();
            await bothStarted.Task.WaitAsync(TimeSpan.FromSeconds(5));
            return name;
        }, "wait");
        var inner = PipelineTestChatClient.Scripted(
            PipelineTestChatClient.Call(("c1", "wait", new() { ["name"] = "x" }), ("c2", "wait", new() { ["name"] = "y" })),
            PipelineTestChatClient.Text("done"));

        var response = await Create(inner).GetResponseAsync([new ChatMessage(ChatRole.User, "go")], new ChatOptions { Tools = [wait] });

        var results = inner.Requests[1].Messages[2].Contents.OfType<FunctionResultContent>().ToList();
        Assert.That(results.Select(r => r.CallId), Is.EqualTo(new[] { "c1", "c2" }), "results keep the calls' order");
        Assert.That(results.Select(r => r.Exception), Is.All.Null);
        Assert.That(response.Text, Is.EqualTo("done"));
    }

    [Test]
    public async Task GetResponseAsync_ToolThrows_ReportsErrorToModelAndContinues()
    {
        var broken = AIFunctionFactory.Create(string () => throw new InvalidOperationException("disk on fire"), "broken");
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Call(("c1", "broken", null)), PipelineTestChatClient.Text("sorry"));

        var response = await Create(inner).GetResponseAsync([new ChatMessage(ChatRole.User, "x")], new ChatOptions { Tools = [broken] });

        var result = inner.Requests[1].Messages[2].Contents.OfType<FunctionResultContent>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(result.Result?.ToString(), Does.StartWith("Error: Function failed.").And.Contain("disk on fire"));
            Assert.That(result.Exception, Is.InstanceOf<InvalidOperationException>());
            Assert.That(response.Text, Is.EqualTo("sorry"));
        });
    }

    [Test]
    public async Task GetResponseAsync_DetailedErrorsOff_HidesExceptionMessage()
    {
        var broken = AIFunctionFactory.Create(string () => throw new InvalidOperationException("secret path"), "broken");
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Call(("c1", "broken", null)), PipelineTestChatClient.Text("sorry"));

        await Create(inner, o => o.IncludeDetailedErrors = false).GetResponseAsync([new ChatMessage(ChatRole.User, "x")], new ChatOptions { Tools = [broken] });

        var result = inner.Requests[1].Messages[2].Contents.OfType<FunctionResultContent>().Single();
        Assert.That(result.Result?.ToString(), Is.EqualTo("Error: Function failed."));
    }

    [Test]
    public async Task GetResponseAsync_UnknownFunction_ReportsNotFoundToModel()
    {
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Call(("c1", "nope", null)), PipelineTestChatClient.Text("ok"));

        await Create(inner).GetResponseAsync([new ChatMessage(ChatRole.User, "x")], new ChatOptions { Tools = [Add] });

        var result = inner.Requests[1].Messages[2].Contents.OfType<FunctionResultContent>().Single();
        Assert.That(result.Result?.ToString(), Is.EqualTo("Error: Requested function \"nope\" not found."));
    }

    [Test]
    public async Task GetResponseAsync_ModelKeepsCalling_StopsAtLimitAndAsksWithoutTools()
    {
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Call(("c", "add", Args(1, 1))));

        var response = await Create(inner, o => o.MaxIterations = 2).GetResponseAsync([new ChatMessage(ChatRole.User, "x")], new ChatOptions { Tools = [Add] });

        Assert.Multiple(() =>
        {
            Assert.That(inner.Calls, Is.EqualTo(3), "two tool rounds, then one call with tool mode none");
            Assert.That(inner.Requests[0].Options!.ToolMode, Is.Null);
            Assert.That(inner.Requests[2].Options!.ToolMode, Is.EqualTo(ChatToolMode.None));
            var last = response.Messages[^1];
            Assert.That(last.Role, Is.EqualTo(ChatRole.Tool), "the ignored call still gets a result so the history stays valid");
            Assert.That(last.Contents.OfType<FunctionResultContent>().Single().Result?.ToString(), Does.Contain("limit"));
        });
    }

    [Test]
    public async Task GetResponseAsync_SessionLimitOverridesDefault()
    {
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Call(("c", "add", Args(1, 1))));
        var options = new SessionChatOptions { Tools = [Add], MaxToolIterations = 1 };

        await Create(inner, o => o.MaxIterations = 5).GetResponseAsync([new ChatMessage(ChatRole.User, "x")], options);

        Assert.That(inner.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task GetResponseAsync_StepCallback_ReportsEachRoundAsItCompletes()
    {
        var steps = new List<ChatToolStep>();
        var inner = PipelineTestChatClient.Scripted(
            PipelineTestChatClient.Call(("c1", "add", Args(1, 2))),
            PipelineTestChatClient.Call(("c2", "add", Args(3, 4))),
            PipelineTestChatClient.Text("done"));
        inner.OnGetResponse = WrapCheck(inner.OnGetResponse!, () => steps.Count);
        var options = new SessionChatOptions
        {
            Tools = [Add],
            ToolStepCallback = (step, _) =>
            {
                steps.Add(step);
                return default;
            },
        };

        var response = await Create(inner).GetResponseAsync([new ChatMessage(ChatRole.User, "x")], options);

        Assert.Multiple(() =>
        {
            Assert.That(steps.Select(s => s.Iteration), Is.EqualTo(new[] { 0, 1 }));
            Assert.That(steps[0].Response.Messages.Single().Contents.OfType<FunctionCallContent>().Single().CallId, Is.EqualTo("c1"));
            Assert.That(steps[0].ToolMessage.Contents.OfType<FunctionResultContent>().Single().Result?.ToString(), Is.EqualTo("3"));
            Assert.That(steps[1].ToolMessage.Contents.OfType<FunctionResultContent>().Single().Result?.ToString(), Is.EqualTo("7"));
            Assert.That(response.Messages, Has.Count.EqualTo(1), "with a callback, the response holds only the final round");
            Assert.That(response.Text, Is.EqualTo("done"));
            Assert.That(response.Usage!.InputTokenCount, Is.EqualTo(10), "the final round's usage only");
            Assert.That(_stepsSeenAtCall, Is.EqualTo(new[] { 0, 1, 2 }), "round n is reported before model call n+1");
        });
    }

    private List<int> _stepsSeenAtCall = [];

    private Func<IList<ChatMessage>, ChatOptions?, CancellationToken, Task<ChatResponse>> WrapCheck(
        Func<IList<ChatMessage>, ChatOptions?, CancellationToken, Task<ChatResponse>> inner, Func<int> stepCount)
    {
        _stepsSeenAtCall = [];
        return (m, o, ct) =>
        {
            _stepsSeenAtCall.Add(stepCount());
            return inner(m, o, ct);
        };
    }

    [Test]
    public async Task GetResponseAsync_ToolKeepsFailing_RethrowsAfterMaxConsecutiveErrors()
    {
        var broken = AIFunctionFactory.Create(string () => throw new InvalidOperationException("always"), "broken");
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Call(("c", "broken", null)));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Create(inner, o => o.MaxConsecutiveErrors = 1).GetResponseAsync([new ChatMessage(ChatRole.User, "x")], new ChatOptions { Tools = [broken] }));

        Assert.That(ex!.Message, Is.EqualTo("always"));
        Assert.That(inner.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task GetStreamingResponseAsync_StreamedCall_InvokesToolAndStreamsNextRound()
    {
        var steps = new List<ChatToolStep>();
        var inner = PipelineTestChatClient.ScriptedStream(
            [
                new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("c1", "add", Args(20, 22))]) { MessageId = "m1" },
                new ChatResponseUpdate { Contents = [new UsageContent(new UsageDetails { InputTokenCount = 7, OutputTokenCount = 2 })], MessageId = "m1" },
            ],
            [
                new ChatResponseUpdate(ChatRole.Assistant, "it is ") { MessageId = "m2" },
                new ChatResponseUpdate(null, "42") { MessageId = "m2" },
            ]);
        var options = new SessionChatOptions
        {
            Tools = [Add],
            ToolStepCallback = (step, _) =>
            {
                steps.Add(step);
                return default;
            },
        };

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in Create(inner).GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "x")], options))
        {
            updates.Add(update);
        }

        Assert.Multiple(() =>
        {
            Assert.That(inner.Calls, Is.EqualTo(2));
            Assert.That(inner.Requests[1].Messages[2].Contents.OfType<FunctionResultContent>().Single().Result?.ToString(), Is.EqualTo("42"));
            Assert.That(updates.Where(u => u.Role == ChatRole.Tool), Has.Exactly(1).Items, "the tool results are streamed too");
            Assert.That(string.Concat(updates.Where(u => u.Role != ChatRole.Tool).Select(u => u.Text)), Is.EqualTo("it is 42"));
            Assert.That(steps, Has.Count.EqualTo(1));
            Assert.That(steps[0].Response.Usage!.InputTokenCount, Is.EqualTo(7));
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_NoCalls_PassesUpdatesThrough()
    {
        var inner = PipelineTestChatClient.ScriptedStream([new ChatResponseUpdate(ChatRole.Assistant, "a"), new ChatResponseUpdate(null, "b")]);

        var text = string.Empty;
        await foreach (var update in Create(inner).GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "x")], new ChatOptions { Tools = [Add] }))
        {
            text += update.Text;
        }

        Assert.That(text, Is.EqualTo("ab"));
        Assert.That(inner.Calls, Is.EqualTo(1));
    }

    [Test]
    public void Constructor_NegativeLimit_ThrowsNamingOption()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Create(new PipelineTestChatClient(), o => o.MaxIterations = -1));

        Assert.That(ex!.ParamName, Is.EqualTo("MaxIterations"));
    }
}
