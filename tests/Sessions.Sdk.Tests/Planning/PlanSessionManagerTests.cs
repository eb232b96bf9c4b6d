using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

[TestFixture]
public sealed class PlanSessionManagerTests
{
    private const string ValidPlan = """
        {"title":"REST API with auth","steps":[
          {"id":"step-1","title":"Create project structure","description":"Set up the project","dependencies":[]},
          {"id":"step-2","title":"Define data models","description":"User and Token models","dependencies":["step-1"]},
          {"id":"step-3","title":"Implement authentication","description":"JWT login/logout","dependencies":["step-2"]}
        ]}
        """;

    private const string CyclicPlan = """
        {"title":"Broken","steps":[
          {"id":"step-1","title":"One","description":"","dependencies":["step-2"]},
          {"id":"step-2","title":"Two","description":"","dependencies":["step-1"]},
          {"id":"step-3","title":"Three","description":"","dependencies":["step-9"]}
        ]}
        """;

    [Test]
    public async Task CreateAsync_Goal_TheModelWritesThePlanAgainstTheSchema()
    {
        using var host = new PlanTestHost();
        host.Client.EnqueueText(ValidPlan);

        var planner = await host.Plans.CreateAsync("Build a REST API with authentication");

        var plan = planner.Plan;
        Assert.That(plan.Title, Is.EqualTo("REST API with auth"));
        Assert.That(plan.Goal, Is.EqualTo("Build a REST API with authentication"));
        Assert.That(plan.Status, Is.EqualTo(PlanStatus.AwaitingApproval));
        Assert.That(plan.Steps.Select(s => s.Id), Is.EqualTo(new[] { "step-1", "step-2", "step-3" }));
        Assert.That(plan.GetStep("step-3").Dependencies, Is.EqualTo(new[] { "step-2" }));
        Assert.That(planner.Session.Kind, Is.EqualTo(SessionKind.Plan));
        var request = host.Client.Requests.Single();
        Assert.That(request.Options?.ResponseFormat, Is.InstanceOf<ChatResponseFormatJson>());
        var format = (ChatResponseFormatJson)request.Options!.ResponseFormat!;
        Assert.That(format.Schema?.GetRawText(), Is.EqualTo(Plan.JsonSchema.GetRawText()));
        Assert.That(request.LastMessageText, Does.Contain("Build a REST API with authentication").And.Contain("\"dependencies\""));
    }

    [Test]
    public async Task CreateAsync_WithoutResponseFormat_PutsTheSchemaInTheInstructionsOnly()
    {
        using var host = new PlanTestHost(o => o.UseJsonSchemaResponseFormat = false);
        host.Client.EnqueueText("Here is the plan:\n```json\n" + ValidPlan + "\n```");

        var planner = await host.Plans.CreateAsync("Goal");

        Assert.That(planner.Plan.Steps, Has.Count.EqualTo(3));
        Assert.That(host.Client.LastRequest.Options?.ResponseFormat, Is.Null);
        Assert.That(host.Client.LastRequest.LastMessageText, Does.Contain("\"required\": [\"id\", \"title\", \"description\", \"dependencies\"]"));
    }

    [Test]
    public async Task CreateAsync_InvalidReply_IsSentBackOnceWithTheExactErrorsAndTheRepairIsUsed()
    {
        using var host = new PlanTestHost();
        host.Client.EnqueueText(CyclicPlan).EnqueueText(ValidPlan);

        var planner = await host.Plans.CreateAsync("Build it");

        Assert.That(planner.Plan.Steps, Has.Count.EqualTo(3));
        Assert.That(host.Client.Requests, Has.Count.EqualTo(2));
        var repair = host.Client.Requests[1].LastMessageText;
        Assert.That(repair, Does.Contain("- Step 'step-3' depends on unknown step 'step-9'."));
        Assert.That(host.Client.Requests[1].Options?.ResponseFormat, Is.InstanceOf<ChatResponseFormatJson>());
        Assert.That(host.Client.Requests[1].Messages.Any(m => m.Text.Contains("\"step-9\"", StringComparison.Ordinal)), Is.True, "the model sees its own invalid reply");
    }

    [Test]
    public async Task CreateAsync_CycleOnly_TheRepairRequestQuotesTheCycle()
    {
        using var host = new PlanTestHost();
        host.Client.EnqueueText(CyclicPlan.Replace("step-9", "step-1", StringComparison.Ordinal)).EnqueueText(ValidPlan);

        await host.Plans.CreateAsync("Build it");

        Assert.That(host.Client.Requests[1].LastMessageText, Does.Contain("- Steps form a dependency cycle: step-1 -> step-2 -> step-1."));
    }

    [Test]
    public async Task CreateAsync_InvalidTwice_ThrowsPlanValidationExceptionQuotingTheErrorsAndStoresNothing()
    {
        using var host = new PlanTestHost(o => o.MaxSteps = 2);
        host.Client.EnqueueText("I cannot do that.").EnqueueText(ValidPlan);

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => host.Plans.CreateAsync("Too big"));

        Assert.That(ex!.Errors, Is.EqualTo(new[] { "The plan has 3 steps; at most 2 are allowed." }));
        Assert.That(ex.Message, Does.Contain("The plan has 3 steps; at most 2 are allowed."));
        Assert.That(ex.Reply, Is.EqualTo(ValidPlan));
        Assert.That(host.Client.Requests[1].LastMessageText, Does.Contain("- The reply contains no JSON object"));
        var left = new List<SessionInfo>();
        await foreach (var info in host.Sessions.ListAsync()) left.Add(info);
        Assert.That(left, Is.Empty, "a failed create stores nothing");
    }

    [Test]
    public async Task CreateAsync_MalformedJson_ReportsTheParserError()
    {
        using var host = new PlanTestHost();
        host.Client.EnqueueText("{\"title\": \"x\", \"steps\": [ {\"id\": 1} ]}").EnqueueText("{\"steps\": []}");

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => host.Plans.CreateAsync("Goal"));

        Assert.That(host.Client.Requests[1].LastMessageText, Does.Contain("The reply is not valid plan JSON"));
        Assert.That(ex!.Errors, Is.EqualTo(new[] { "The plan has no title.", "The plan has no steps; it needs at least one." }));
    }

    [TestCase("dup", "Step id 'a' is used by more than one step")]
    [TestCase("unknown", "Step 'b' depends on unknown step 'zz'.")]
    [TestCase("cycle", "Steps form a dependency cycle: a -> b -> a.")]
    [TestCase("self", "Step 'a' depends on itself.")]
    [TestCase("title", "Step 'a' has no title.")]
    [TestCase("id", "Step #1 has no id.")]
    [TestCase("many", "The plan has 4 steps; at most 3 are allowed.")]
    public async Task CreateAsync_InvalidExplicitSteps_ThrowsArgumentExceptionNamingTheStepAndStoresNothing(string fault, string message)
    {
        using var host = new PlanTestHost(o => o.MaxSteps = 3);
        PlanStep[] steps = fault switch
        {
            "dup" => [PlanTestHost.Step("a"), PlanTestHost.Step("a")],
            "unknown" => [PlanTestHost.Step("a"), PlanTestHost.Step("b", "zz")],
            "cycle" => [PlanTestHost.Step("a", "b"), PlanTestHost.Step("b", "a")],
            "self" => [PlanTestHost.Step("a", "a")],
            "title" => [PlanTestHost.Step("a") with { Title = " " }],
            "id" => [PlanTestHost.Step("") ],
            _ => [PlanTestHost.Step("a"), PlanTestHost.Step("b"), PlanTestHost.Step("c"), PlanTestHost.Step("d")],
        };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => host.Plans.CreateAsync("Goal", steps));

        Assert.That(ex!.ParamName, Is.EqualTo("steps"));
        Assert.That(ex.Message, Does.Contain(message));
        var left = new List<SessionInfo>();
        await foreach (var info in host.Sessions.ListAsync()) left.Add(info);
        Assert.That(left, Is.Empty);
    }

    [Test]
    public async Task CreateAsync_EmptyGoal_ThrowsNamingTheParameter()
    {
        using var host = new PlanTestHost();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => host.Plans.CreateAsync(" ", [PlanTestHost.Step("a")]));
        Assert.That(ex!.ParamName, Is.EqualTo("goal"));
    }

    [Test]
    public async Task ReviseAsync_Instructions_TheModelRevisesThePlanWithOneRepair()
    {
        using var host = new PlanTestHost();
        host.Client.EnqueueText(ValidPlan);
        var planner = await host.Plans.CreateAsync("Build a REST API with authentication");
        await planner.ApproveAsync();
        var revised = ValidPlan.TrimEnd()[..^2] + ",{\"id\":\"step-4\",\"title\":\"Add rate limiting\",\"description\":\"Per-user limits\",\"dependencies\":[\"step-3\"]}]}";
        host.Client.EnqueueText(CyclicPlan).EnqueueText(revised);

        await planner.ReviseAsync("Add a step for rate limiting");

        Assert.That(planner.Plan.Steps.Select(s => s.Id), Is.EqualTo(new[] { "step-1", "step-2", "step-3", "step-4" }));
        Assert.That(planner.Plan.Status, Is.EqualTo(PlanStatus.AwaitingApproval));
        Assert.That(planner.Plan.Revision, Is.EqualTo(1));
        Assert.That(host.Client.Requests[1].LastMessageText, Does.Contain("Add a step for rate limiting").And.Contain("\"step-3\""));
        var reopened = await host.Plans.OpenAsync(planner.Plan.Id);
        Assert.That(reopened.Plan.Steps, Has.Count.EqualTo(4));
    }

    [Test]
    public async Task ReviseAsync_InvalidTwice_LeavesThePlanUnchanged()
    {
        using var host = new PlanTestHost();
        host.Client.EnqueueText(ValidPlan);
        var planner = await host.Plans.CreateAsync("Goal");
        host.Client.EnqueueText(CyclicPlan).EnqueueText(CyclicPlan);

        await Assert.ThrowsAsync<PlanValidationException>(() => planner.ReviseAsync("Break it"));

        Assert.That(planner.Plan.Revision, Is.Zero);
        Assert.That((await host.Plans.OpenAsync(planner.Plan.Id)).Plan.Steps, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task OpenAsync_ChatSession_ThrowsArgumentException()
    {
        using var host = new PlanTestHost();
        var chat = await host.Sessions.Create().CreateAsync();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => host.Plans.OpenAsync(chat.Id));

        Assert.That(ex!.ParamName, Is.EqualTo("planId"));
    }

    [Test]
    public async Task OpenAsync_Missing_ThrowsSessionNotFound()
    {
        using var host = new PlanTestHost();
        await Assert.ThrowsAsync<SessionNotFoundException>(() => host.Plans.OpenAsync("nope"));
    }

    [Test]
    public async Task DefaultExecutor_RunsEachStepAsAChatTurnWithItsDependenciesOutputs()
    {
        using var host = new PlanTestHost(o => { o.RequireApproval = false; o.MaxParallelSteps = 1; });
        var planner = await host.Plans.CreateAsync("Chat steps", [PlanTestHost.Step("a"), PlanTestHost.Step("b", "a")], title: "Two steps");
        host.Client.EnqueueText("result of a").EnqueueText("result of b");

        var result = await planner.ExecuteAsync();

        Assert.That(result.Status, Is.EqualTo(PlanStatus.Completed));
        Assert.That(result.Plan.GetStep("a").Output, Is.EqualTo("result of a"));
        Assert.That(result.Plan.GetStep("b").Output, Is.EqualTo("result of b"));
        var second = host.Client.Requests[1].LastMessageText;
        Assert.That(second, Does.Contain("Carry out step 'b' of the plan \"Two steps\": Do b").And.Contain("[a] result of a"));
        var messages = await planner.Session.GetMessagesAsync();
        Assert.That(messages.Count(m => m.Role == ChatRole.Assistant), Is.EqualTo(2), "the exchanges are stored in the plan's session");
        Assert.That(host.Client.Requests.SelectMany(r => r.Messages).Any(m => m.Role == SessionStateContent.Role), Is.False, "state events are never sent to the model");
        var events = new List<string>();
        await foreach (var e in planner.Session.ReadStateAsync("plan")) events.Add(e.EventName);
        Assert.That(events, Is.EqualTo(new[] { "plan.created", "execution.started", "step.started", "step.completed", "step.started", "step.completed", "execution.ended" }));
    }
}
