using System.Text.Json;

namespace Sessions.Cli.Tests;

/// <summary>`sessions plan …` run as a process against a loopback OpenAI-protocol server that writes plans and carries out steps.</summary>
[NonParallelizable]
public sealed class CliPlanTests
{
    private const string PlanJson = """
        {"title":"REST API with authentication","steps":[
          {"id":"step-1","title":"Create project structure","description":"Set up the project and its folders","dependencies":[]},
          {"id":"step-2","title":"Define data models","description":"User and Token models","dependencies":["step-1"]},
          {"id":"step-3","title":"Configure the database","description":"Migrations","dependencies":["step-1"]},
          {"id":"step-4","title":"Implement authentication","description":"JWT login","dependencies":["step-2","step-3"]}
        ]}
        """;

    private const string RevisedPlanJson = """
        {"title":"REST API with authentication","steps":[
          {"id":"step-1","title":"Create project structure","description":"Set up the project and its folders","dependencies":[]},
          {"id":"step-2","title":"Define data models","description":"User and Token models","dependencies":["step-1"]},
          {"id":"step-3","title":"Configure the database","description":"Migrations","dependencies":["step-1"]},
          {"id":"step-4","title":"Implement authentication","description":"JWT login","dependencies":["step-2","step-3"]},
          {"id":"step-5","title":"Write the docs","description":"README","dependencies":["step-4"]}
        ]}
        """;

    private string _store = null!;
    private FakeOpenAIServer _server = null!;
    private CliRunner _cli = null!;
    private volatile bool _failAuthentication;

    [SetUp]
    public void SetUp()
    {
        _store = Directory.CreateTempSubdirectory("sessions-cli-plan-").FullName;
        _server = new FakeOpenAIServer
        {
            RequestReply = (request, messages) =>
            {
                // A step: a reply that does not repeat the prompt (so a step's title appears only in its own requests).
                if (FakeOpenAIServer.SchemaName(request) is null) return "done";
                return messages.Any(m => m.Role == "user" && m.Text.Contains("docs step", StringComparison.Ordinal)) ? RevisedPlanJson : PlanJson;
            },
            Fails = (request, last) => _failAuthentication && FakeOpenAIServer.SchemaName(request) is null && last.Contains("Implement authentication", StringComparison.Ordinal),
        };
        _cli = new CliRunner(_store);
        _cli.Environment["OPENAI_BASE_URL"] = _server.BaseUrl;
        _cli.Environment["OPENAI_API_KEY"] = "sk-test";
    }

    [TearDown]
    public async Task TearDown()
    {
        await _server.DisposeAsync();
        Directory.Delete(_store, recursive: true);
    }

    private static JsonElement Json(CliResult result)
    {
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        return JsonDocument.Parse(result.Out).RootElement.Clone();
    }

    private static string[] StepStatuses(JsonElement plan) => [.. plan.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("status").GetString()!)];

    private int StepRequests(string title) =>
        _server.Requests.Count(r => FakeOpenAIServer.SchemaName(r) is null
            && r.GetProperty("messages").EnumerateArray().Last().GetProperty("content").ToString().Contains(title, StringComparison.Ordinal));

    [Test]
    public async Task Plan_WithYesAndExecute_WritesApprovesAndRunsEveryStep_JsonParsed()
    {
        var run = Json(await _cli.RunAsync("plan", "Build a REST API with authentication", "--yes", "--execute", "--format", "json"));

        var plan = run.GetProperty("plan");
        Assert.Multiple(() =>
        {
            Assert.That(run.GetProperty("succeeded").GetBoolean(), Is.True);
            Assert.That(plan.GetProperty("status").GetString(), Is.EqualTo("completed"));
            Assert.That(plan.GetProperty("goal").GetString(), Is.EqualTo("Build a REST API with authentication"));
            Assert.That(StepStatuses(plan), Is.EqualTo(new[] { "completed", "completed", "completed", "completed" }));
            Assert.That(run.GetProperty("executed").EnumerateArray().Select(e => e.GetString()), Is.EquivalentTo(new[] { "step-1", "step-2", "step-3", "step-4" }));
            Assert.That(plan.GetProperty("steps")[0].GetProperty("output").GetString(), Is.EqualTo("done"), "each step's output is the model's reply");
        });

        // Stored: a new process sees the same plan, and it is listed as a plan session.
        var status = Json(await _cli.RunAsync("plan", "status", "--format", "json"));
        Assert.That(status.GetProperty("id").GetString(), Is.EqualTo(plan.GetProperty("id").GetString()));
        Assert.That(StepStatuses(status), Is.All.EqualTo("completed"));
        var listed = Json(await _cli.RunAsync("list", "--kind", "plan", "--format", "json"));
        Assert.That(listed.GetArrayLength(), Is.EqualTo(1));
    }

    [Test]
    public async Task Plan_PromptApproval_EditRevisesThePlan_ThenYesApproves_WithoutRunning()
    {
        var result = await _cli.RunWithInputAsync("maybe\nedit\nAdd a docs step at the end\ny\n", "plan", "Build a REST API with authentication", "-i");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(result.Error, Does.Contain("Approve this plan? [y/n/edit]:"));
            Assert.That(result.Error, Does.Contain("Answer y (approve), n (reject) or edit"), "an unknown answer asks again");
            Assert.That(result.Error, Does.Contain("What should change?"));
            Assert.That(result.Out, Does.Contain("1. [ ] Create project structure (step-1)"), "the plan as the seed shows it");
            Assert.That(result.Out, Does.Contain("Dependencies: step-2, step-3"));
            Assert.That(result.Out, Does.Contain("5. [ ] Write the docs (step-5)"), "the revised plan is shown");
            Assert.That(result.Error, Does.Contain("Plan approved! Run 'sessions plan run "));
        });
        var plan = Json(await _cli.RunAsync("plan", "show", "--format", "json"));
        Assert.Multiple(() =>
        {
            Assert.That(plan.GetProperty("status").GetString(), Is.EqualTo("approved"));
            Assert.That(plan.GetProperty("revision").GetInt32(), Is.EqualTo(1), "revised once");
            Assert.That(plan.GetProperty("steps").GetArrayLength(), Is.EqualTo(5));
            Assert.That(_server.Requests.Count(r => FakeOpenAIServer.SchemaName(r) is null), Is.Zero, "approval without --execute runs nothing");
        });
    }

    [Test]
    public async Task Plan_PromptAnsweredNo_RejectsThePlan_ExitOne()
    {
        var result = await _cli.RunWithInputAsync("n\n", "plan", "Build a REST API with authentication", "-i");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain("rejected"));
        var plan = Json(await _cli.RunAsync("plan", "show", "--format", "json"));
        Assert.That(plan.GetProperty("status").GetString(), Is.EqualTo("cancelled"));
        Assert.That(plan.GetProperty("rejectionReason").GetString(), Is.Not.Empty);
    }

    [Test]
    public async Task Plan_DryRun_ListsTheWaves_AndRunsNothing()
    {
        var dry = Json(await _cli.RunAsync("plan", "Build a REST API with authentication", "--dry-run", "--format", "json"));

        var waves = dry.GetProperty("schedule").EnumerateArray().Select(w => w.EnumerateArray().Select(s => s.GetString()).ToList()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(dry.GetProperty("dryRun").GetBoolean(), Is.True);
            Assert.That(waves, Has.Count.EqualTo(3));
            Assert.That(waves[0], Is.EqualTo(new[] { "step-1" }));
            Assert.That(waves[1], Is.EquivalentTo(new[] { "step-2", "step-3" }), "independent steps share a wave");
            Assert.That(waves[2], Is.EqualTo(new[] { "step-4" }));
            Assert.That(_server.Requests, Has.Count.EqualTo(1), "only the plan was written");
            Assert.That(StepStatuses(dry.GetProperty("plan")), Is.All.EqualTo("pending"));
        });

        var text = await _cli.RunAsync("plan", "run", "--dry-run");
        Assert.That(text.ExitCode, Is.Zero, text.ToString());
        Assert.That(text.Out, Does.Contain("wave 2: step-2, step-3").Or.Contain("wave 2: step-3, step-2"));
        Assert.That(_server.Requests, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Plan_ApproveThenRun_ShowsProgress_ThenShowHasOutputs()
    {
        var created = await _cli.RunAsync("plan", "create", "Build a REST API with authentication");
        Assert.That(created.ExitCode, Is.Zero, created.ToString());
        Assert.That(created.Error, Does.Contain("awaiting approval"), "without a terminal or --yes the plan waits for approval");

        var notApproved = await _cli.RunAsync("plan", "run");
        Assert.That(notApproved.ExitCode, Is.EqualTo(2), notApproved.ToString());
        Assert.That(notApproved.Error, Does.Contain("is not approved").And.Contain("--yes"));

        var approved = await _cli.RunAsync("plan", "approve");
        Assert.That(approved.ExitCode, Is.Zero, approved.ToString());
        var run = await _cli.RunAsync("plan", "run");
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(run.Out, Does.Contain("▶ step-1 Create project structure"), "a step start is shown");
            Assert.That(run.Out, Does.Contain("✓ step-4 Implement authentication: completed (4/4)"));
            Assert.That(run.Out, Does.Contain("Plan completed in"));
        });

        var shown = await _cli.RunAsync("plan", "show");
        Assert.That(shown.Out, Does.Contain("4. [x] Implement authentication (step-4)").And.Contain("Output: done"));
        var markdown = await _cli.RunAsync("plan", "show", "--format", "markdown");
        Assert.That(markdown.ExitCode, Is.Zero, markdown.ToString());
        Assert.That(markdown.Out, Does.Contain("Create project structure"));
        var again = await _cli.RunAsync("plan", "resume");
        Assert.That(again.ExitCode, Is.Zero, again.ToString());
        Assert.That(again.Error, Does.Contain("already completed"));
        Assert.That(StepRequests("Create project structure"), Is.EqualTo(1), "a completed step never runs again");
    }

    [Test]
    public async Task Plan_FailedStep_ExitsOne_ThenResumeRunsOnlyTheUnfinishedSteps()
    {
        _failAuthentication = true;
        var failed = await _cli.RunAsync("plan", "Build a REST API with authentication", "--yes", "--execute");

        Assert.That(failed.ExitCode, Is.EqualTo(1), failed.ToString());
        Assert.That(failed.Error, Does.Contain("step step-4 failed").And.Contain("sessions plan resume"));
        int firstStepRuns = StepRequests("Create project structure");

        _failAuthentication = false;
        var resumed = Json(await _cli.RunAsync("plan", "--resume", "--format", "json"));

        Assert.Multiple(() =>
        {
            Assert.That(resumed.GetProperty("plan").GetProperty("status").GetString(), Is.EqualTo("completed"));
            Assert.That(resumed.GetProperty("executed").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "step-4" }));
            Assert.That(StepRequests("Create project structure"), Is.EqualTo(firstStepRuns), "completed steps did not run again");
        });
    }

    [Test]
    public async Task Plan_ExecuteWithoutYes_WithoutATerminal_IsAUsageError_AndStoresNothing()
    {
        var result = await _cli.RunAsync("plan", "Build a REST API with authentication", "--execute");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Error.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(result.Error, Does.Contain("--yes"));
        Assert.That(_server.Requests, Is.Empty, "the model was not called");
        Assert.That(Json(await _cli.RunAsync("list", "--format", "json")).GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task Plan_ErrorPaths_OneLineAndExitCodes()
    {
        var chat = await _cli.RunAsync("chat", "-s", "a-chat", "hello");
        Assert.That(chat.ExitCode, Is.Zero, chat.ToString());

        var noGoal = await _cli.RunAsync("plan");
        var none = await _cli.RunAsync("plan", "resume");
        var missing = await _cli.RunAsync("plan", "show", "nosuch");
        var notAPlan = await _cli.RunAsync("plan", "show", "a-chat");
        _cli.Environment["OPENAI_BASE_URL"] = null;
        _cli.Environment["OPENAI_API_KEY"] = null;
        var noProvider = await _cli.RunAsync("plan", "Some goal");

        Assert.Multiple(() =>
        {
            Assert.That(noGoal.ExitCode, Is.EqualTo(2), noGoal.ToString());
            Assert.That(noGoal.Error, Does.Contain("Give the plan's goal"));
            Assert.That(none.ExitCode, Is.EqualTo(1), none.ToString());
            Assert.That(none.Error, Does.Contain("There is no plan yet"));
            Assert.That(missing.ExitCode, Is.EqualTo(1), missing.ToString());
            Assert.That(missing.Error, Does.Contain("'nosuch' was not found"));
            Assert.That(notAPlan.ExitCode, Is.EqualTo(1), notAPlan.ToString());
            Assert.That(notAPlan.Error, Does.Contain("is not a plan"));
            Assert.That(noProvider.ExitCode, Is.EqualTo(1), noProvider.ToString());
            Assert.That(noProvider.Error, Does.Contain("OPENAI_API_KEY"));
            foreach (var r in new[] { noGoal, none, missing, notAPlan, noProvider })
            {
                Assert.That(r.Error, Does.Not.Contain("   at "), "no stack trace without --verbose");
            }
        });
    }

    [Test]
    public async Task Plan_UnderARealPseudoTerminal_ShowsTheColouredPromptAndLiveProgress()
    {
        string output = await _cli.RunUnderPseudoTerminalAsync($"printf 'y\\n' | {CliRunner.ShellCommand} plan 'Build a REST API with authentication' -i --execute");

        Assert.Multiple(() =>
        {
            Assert.That(output, Does.Contain("Approve this plan? [y/n/edit]:"), "the prompt");
            Assert.That(output, Does.Contain("\u001b["), "colours on a terminal");
            Assert.That(output, Does.Contain("step-4 Implement authentication: completed (4/4)"), "live progress lines");
            Assert.That(output, Does.Contain("Plan completed in"));
        });
    }
}
