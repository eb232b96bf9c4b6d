using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

/// <summary>
/// Group commit of plan state: outcomes and the starts they allow are persisted together, one append per scheduling
/// decision, and still before anything that depends on them runs.
/// </summary>
[TestFixture]
public sealed class PlanGroupCommitTests
{
    [Test]
    public async Task ExecuteAsync_Chain_PersistsEachOutcomeWithTheStartItAllowsInOneAppend()
    {
        using var host = new PlanTestHost(o => o.RequireApproval = false, new TestStepExecutor());
        var planner = await host.Plans.CreateAsync("Chain", [PlanTestHost.Step("a"), PlanTestHost.Step("b", "a"), PlanTestHost.Step("c", "b")]);

        await planner.ExecuteAsync();

        var records = await StateRecordsAsync(planner.Session);
        Assert.That(records, Is.EqualTo(new[]
        {
            new[] { "plan.created" },
            new[] { "execution.started", "step.started a" },
            new[] { "step.completed a", "step.started b" },
            new[] { "step.completed b", "step.started c" },
            new[] { "step.completed c", "execution.ended" },
        }));
        Assert.That(planner.Plan.Status, Is.EqualTo(PlanStatus.Completed));
    }

    [Test]
    public async Task ExecuteAsync_IndependentSteps_StartTogetherInOneAppendUpToTheParallelLimit()
    {
        using var host = new PlanTestHost(o => { o.RequireApproval = false; o.MaxParallelSteps = 3; }, new TestStepExecutor());
        var planner = await host.Plans.CreateAsync("Wide", Enumerable.Range(0, 5).Select(i => PlanTestHost.Step("s" + i)));

        await planner.ExecuteAsync();

        var records = await StateRecordsAsync(planner.Session);
        Assert.That(records[1], Is.EqualTo(new[] { "execution.started", "step.started s0", "step.started s1", "step.started s2" }));
        Assert.That(records[2], Is.EqualTo(new[] { "step.completed s0", "step.completed s1", "step.completed s2", "step.started s3", "step.started s4" }));
        Assert.That(records[3], Is.EqualTo(new[] { "step.completed s3", "step.completed s4", "execution.ended" }));
        Assert.That(records, Has.Count.EqualTo(4));
    }

    [Test]
    public async Task ExecuteAsync_RandomDagWithConcurrentSteps_NoStepStartsBeforeEveryDependencyCompletedInTheLog()
    {
        var random = new Random(1206);
        var steps = new List<PlanStep>();
        for (int i = 0; i < 40; i++)
        {
            steps.Add(PlanTestHost.Step("s" + i, [.. Enumerable.Range(0, i).Where(_ => random.Next(100) < 15).Take(3).Select(j => "s" + j)]));
        }

        var executor = new TestStepExecutor(async (c, ct) =>
        {
            await Task.Delay(c.Step.Id.Length % 3, ct);
            return "out-" + c.Step.Id;
        });
        using var host = new PlanTestHost(o => { o.RequireApproval = false; o.MaxSteps = 100; o.MaxParallelSteps = 4; }, executor);
        var planner = await host.Plans.CreateAsync("Random", steps);

        await planner.ExecuteAsync();

        var completed = new HashSet<string>(StringComparer.Ordinal);
        var startedSteps = new List<string>();
        foreach (var record in await StateRecordsAsync(planner.Session))
        {
            foreach (var e in record)
            {
                var parts = e.Split(' ');
                if (parts[0] == "step.started")
                {
                    startedSteps.Add(parts[1]);
                    Assert.That(planner.Plan.GetStep(parts[1]).Dependencies.All(completed.Contains), Is.True, $"{parts[1]} started in the log before a dependency completed");
                }
                else if (parts[0] == "step.completed")
                {
                    completed.Add(parts[1]);
                }
            }
        }

        Assert.That(completed, Has.Count.EqualTo(40));
        Assert.That(startedSteps, Is.Unique);
        Assert.That(executor.MaxRunning, Is.LessThanOrEqualTo(4));
    }

    [Test]
    public async Task ExecuteAsync_RetryAndSkip_AreRecordedWithTheFailureThatCausedThem()
    {
        int calls = 0;
        var executor = new TestStepExecutor((c, _) => c.Step.Id == "a" && Interlocked.Increment(ref calls) == 1
            ? throw new InvalidOperationException("flaky")
            : c.Step.Id == "b" ? throw new InvalidOperationException("broken") : Task.FromResult("ok"));
        using var host = new PlanTestHost(o => { o.RequireApproval = false; o.MaxStepRetries = 1; o.MaxParallelSteps = 1; }, executor);
        var planner = await host.Plans.CreateAsync("Retry", [PlanTestHost.Step("a"), PlanTestHost.Step("b", "a"), PlanTestHost.Step("c", "b")]);

        var result = await planner.ExecuteAsync();

        Assert.That(result.Status, Is.EqualTo(PlanStatus.Failed));
        var records = await StateRecordsAsync(planner.Session);
        Assert.That(records[2], Is.EqualTo(new[] { "step.failed a", "step.started a" }), "a retry starts in the append that records the failed attempt");
        Assert.That(records[3], Is.EqualTo(new[] { "step.completed a", "step.started b" }));
        Assert.That(records[4], Is.EqualTo(new[] { "step.failed b", "step.started b" }));
        Assert.That(records[5], Is.EqualTo(new[] { "step.failed b", "step.skipped c", "execution.ended" }), "the final failure, the skip of its dependent and the end are one append");
        Assert.That(planner.Plan.GetStep("c").Status, Is.EqualTo(PlanStepStatus.Skipped));
        Assert.That(planner.Plan.GetStep("b").Attempts, Is.EqualTo(2));
    }

    [Test]
    public async Task OpenAsync_BatchedEvents_FoldIntoTheSamePlan()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sessions-plan-batch-" + Guid.NewGuid().ToString("N"));
        try
        {
            Plan executed;
            string id;
            using (var host = new PlanTestHost(o => { o.RequireApproval = false; o.MaxParallelSteps = 2; }, new TestStepExecutor(), fileDirectory: dir))
            {
                var planner = await host.Plans.CreateAsync("Fold", [PlanTestHost.Step("a"), PlanTestHost.Step("b"), PlanTestHost.Step("c", "a", "b")]);
                executed = (await planner.ExecuteAsync()).Plan;
                id = planner.Plan.Id;
            }

            using var other = new PlanTestHost(o => o.RequireApproval = false, new TestStepExecutor(), fileDirectory: dir);
            var reopened = (await other.Plans.OpenAsync(id)).Plan;
            Assert.That(reopened, Is.EqualTo(executed).Using<Plan>((x, y) => x.Status == y.Status && x.UpdatedAt == y.UpdatedAt
                && x.Steps.Select(s => (s.Id, s.Status, s.Output, s.Attempts, s.StartedAt, s.CompletedAt)).SequenceEqual(y.Steps.Select(s => (s.Id, s.Status, s.Output, s.Attempts, s.StartedAt, s.CompletedAt)))));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (DirectoryNotFoundException) { }
        }
    }

    /// <summary>The plan's state messages in order, each as its events ("name stepId").</summary>
    private static async Task<List<string[]>> StateRecordsAsync(Session session)
    {
        var records = new List<string[]>();
        foreach (var message in await session.GetMessagesAsync())
        {
            if (SessionStateContent.IsStateMessage(message.Message))
            {
                records.Add([.. message.Message.Contents.Cast<SessionStateContent>().Select(Describe)]);
            }
        }

        return records;
    }

    private static string Describe(SessionStateContent state) =>
        state.Data.TryGetProperty("stepId", out var step) ? state.EventName + " " + step.GetString() : state.EventName;
}
