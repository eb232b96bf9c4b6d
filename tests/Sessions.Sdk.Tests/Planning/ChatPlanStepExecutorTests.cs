using Microsoft.Extensions.AI;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>The default step executor runs each step through the library's chat turn: pipeline, tools, usage and context as SendAsync.</summary>
[TestFixture]
public sealed class ChatPlanStepExecutorTests
{
    [Test]
    public async Task DefaultExecutor_RecordsProviderModelUsageAndLatencyOnTheReply_AndAddsToTheSessionUsage()
    {
        using var host = new PlanTestHost(o => o.RequireApproval = false);
        var planner = await host.Plans.CreateAsync("Usage", [PlanTestHost.Step("a")]);
        host.Client.EnqueueText("done a", new UsageDetails { InputTokenCount = 120, OutputTokenCount = 30, TotalTokenCount = 150 });

        var result = await planner.ExecuteAsync();

        Assert.That(result.Plan.GetStep("a").Output, Is.EqualTo("done a"));
        var reply = (await planner.Session.GetMessagesAsync()).Single(m => m.Role == ChatRole.Assistant);
        Assert.That(reply.ProviderName, Is.EqualTo("fake"));
        Assert.That(reply.ModelId, Is.EqualTo("fake-model"));
        Assert.That(reply.Usage?.InputTokens, Is.EqualTo(120));
        Assert.That(reply.Usage?.OutputTokens, Is.EqualTo(30));
        Assert.That(reply.Latency, Is.Not.Null);
        Assert.That(planner.Session.Usage.InputTokens, Is.EqualTo(120));
        Assert.That(planner.Session.Usage.OutputTokens, Is.EqualTo(30));
    }

    [Test]
    public async Task DefaultExecutor_InvokesTheSessionsTools_AndStoresTheToolRoundBetweenPromptAndReply()
    {
        using var host = new PlanTestHost(o => o.RequireApproval = false);
        var planner = await host.Plans.CreateAsync("Tools", [PlanTestHost.Step("a")]);
        int invoked = 0;
        planner.Session.AddTools(AIFunctionFactory.Create((string city) => { Interlocked.Increment(ref invoked); return "sunny in " + city; }, "weather"));
        host.Client.EnqueueFunctionCall("weather", new Dictionary<string, object?> { ["city"] = "Oslo" }, callId: "call-1").EnqueueText("It is sunny.");

        var result = await planner.ExecuteAsync();

        Assert.That(result.Plan.GetStep("a").Output, Is.EqualTo("It is sunny."));
        Assert.That(invoked, Is.EqualTo(1));
        Assert.That(host.Client.Requests[0].Options?.Tools?.Select(t => t.Name), Is.EqualTo(new[] { "weather" }), "the session's tools are offered");
        var chat = (await planner.Session.GetMessagesAsync()).Where(m => !SessionStateContent.IsStateMessage(m.Message)).ToList();
        Assert.That(chat.Select(m => m.Role.Value), Is.EqualTo(new[] { "user", "assistant", "tool", "assistant" }));
        Assert.That(chat[1].Message.Contents.OfType<FunctionCallContent>().Single().CallId, Is.EqualTo("call-1"));
        Assert.That(chat[2].Message.Contents.OfType<FunctionResultContent>().Single().Result?.ToString(), Does.Contain("sunny in Oslo"));
        Assert.That(chat.Select(m => m.Sequence), Is.Ordered.Ascending);
        Assert.That(chat[^1].Sequence - chat[0].Sequence, Is.EqualTo(3), "the exchange is stored in one piece");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task DefaultExecutor_IndependentSteps_CallTheModelInParallel_AndEachExchangeStaysTogether()
    {
        using var host = new PlanTestHost(o => { o.RequireApproval = false; o.MaxParallelSteps = 3; });
        var planner = await host.Plans.CreateAsync("Parallel", [PlanTestHost.Step("a"), PlanTestHost.Step("b"), PlanTestHost.Step("c")]);
        var allIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int arrived = 0;
        for (int i = 0; i < 3; i++)
        {
            host.Client.Enqueue(async (request, ct) =>
            {
                if (Interlocked.Increment(ref arrived) == 3) allIn.TrySetResult();

                // Only returns once all three calls are in flight at once: a turn gate serializing the steps would never get there.
                await allIn.Task.WaitAsync(ct);
                string step = request.LastMessageText.Split('\'')[1];
                return new ChatResponse(new ChatMessage(ChatRole.Assistant, "result of " + step));
            });
        }

        var result = await planner.ExecuteAsync();

        Assert.That(result.Status, Is.EqualTo(PlanStatus.Completed));
        Assert.That(result.Plan.Steps.Select(s => s.Output), Is.EqualTo(new[] { "result of a", "result of b", "result of c" }));
        var chat = (await planner.Session.GetMessagesAsync()).Where(m => !SessionStateContent.IsStateMessage(m.Message)).ToList();
        Assert.That(chat, Has.Count.EqualTo(6));
        for (int i = 0; i < chat.Count; i += 2)
        {
            Assert.That(chat[i].Role, Is.EqualTo(ChatRole.User));
            Assert.That(chat[i + 1].Role, Is.EqualTo(ChatRole.Assistant));
            string step = chat[i].Message.Text.Split('\'')[1];
            Assert.That(chat[i + 1].Message.Text, Is.EqualTo("result of " + step), "a prompt is followed by its own reply");
            Assert.That(chat[i + 1].Sequence, Is.EqualTo(chat[i].Sequence + 1));
        }
    }

    [Test]
    public async Task DefaultExecutor_SendsTheSessionContextAndTheStepPrompt_NeverStateEvents()
    {
        using var host = new PlanTestHost(o => { o.RequireApproval = false; o.SystemPrompt = "You plan."; });
        var planner = await host.Plans.CreateAsync("Context", [PlanTestHost.Step("a"), PlanTestHost.Step("b", "a")], title: "Ctx");
        host.Client.EnqueueText("A done").EnqueueText("B done");

        await planner.ExecuteAsync();

        var second = host.Client.Requests[1].Messages;
        Assert.That(second[0].Role, Is.EqualTo(ChatRole.System));
        Assert.That(second[0].Text, Is.EqualTo("You plan."));
        Assert.That(second.Select(m => m.Role.Value), Is.EqualTo(new[] { "system", "user", "assistant", "user" }), "the history (step a's exchange) precedes step b's prompt");
        Assert.That(second[^1].Text, Does.Contain("Carry out step 'b' of the plan \"Ctx\"").And.Contain("[a] A done"));
        Assert.That(host.Client.Requests.SelectMany(r => r.Messages).Any(m => m.Role == SessionStateContent.Role), Is.False);
    }

    [Test]
    public async Task DefaultExecutor_ModelFails_KeepsThePromptStoresNoReply_AndTheStepFails()
    {
        using var host = new PlanTestHost(o => { o.RequireApproval = false; o.MaxStepRetries = 0; });
        var planner = await host.Plans.CreateAsync("Fails", [PlanTestHost.Step("a")]);
        host.Client.EnqueueException(new InvalidOperationException("model down"));

        var result = await planner.ExecuteAsync();

        Assert.That(result.Status, Is.EqualTo(PlanStatus.Failed));
        Assert.That(result.Plan.GetStep("a").Error, Does.Contain("model down"));
        var chat = (await planner.Session.GetMessagesAsync()).Where(m => !SessionStateContent.IsStateMessage(m.Message)).ToList();
        Assert.That(chat.Select(m => m.Role.Value), Is.EqualTo(new[] { "user" }), "the prompt is kept, as SendAsync keeps it; no reply is stored");
    }

    [Test]
    public async Task PlanSession_IsAnOrdinarySession_ListedSearchedExportedImportedAndBranchedWithItsPlan()
    {
        using var host = new PlanTestHost(o => o.RequireApproval = false);
        var planner = await host.Plans.CreateAsync("Roll out the release", [PlanTestHost.Step("a"), PlanTestHost.Step("b", "a")]);
        host.Client.EnqueueText("canary rollout finished").EnqueueText("full rollout finished");
        await planner.ExecuteAsync();
        string id = planner.Plan.Id;

        var listed = new List<string>();
        await foreach (var info in host.Sessions.ListAsync(new SessionQuery { Kind = SessionKind.Plan })) listed.Add(info.Id);
        Assert.That(listed, Is.EqualTo(new[] { id }));
        var hits = new List<string>();
        await foreach (var hit in host.Sessions.SearchAsync(new SessionSearchQuery { Text = "canary", Kind = SessionKind.Plan })) hits.Add(hit.SessionId);
        Assert.That(hits, Does.Contain(id));

        var branch = await planner.Session.BranchAsync();
        var branched = await host.Plans.OpenAsync(branch.Id);
        Assert.That(branched.Plan.Steps.Select(s => (s.Id, s.Status, s.Output)), Is.EqualTo(planner.Plan.Steps.Select(s => (s.Id, s.Status, s.Output))));

        using var stream = new MemoryStream();
        await host.Sessions.ExportAsync(id, stream);
        stream.Position = 0;
        var imported = await host.Sessions.ImportAsync(stream, new SessionImportOptions { NewId = true });
        string copyId = imported.Sessions.Single().Id;
        Assert.That(copyId, Is.Not.EqualTo(id));
        var reopened = await host.Plans.OpenAsync(copyId);
        Assert.That(reopened.Plan.Status, Is.EqualTo(PlanStatus.Completed));
        Assert.That(reopened.Plan.Steps.Select(s => s.Output), Is.EqualTo(new[] { "canary rollout finished", "full rollout finished" }));
    }
}
