using Microsoft.Extensions.Time.Testing;
using System.Diagnostics;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

[TestFixture]
public sealed class PlanSessionTests
{
    private static readonly PlanStep[] Diamond =
    [
        PlanTestHost.Step("a"),
        PlanTestHost.Step("b", "a"),
        PlanTestHost.Step("c", "a"),
        PlanTestHost.Step("d", "b", "c"),
        PlanTestHost.Step("e"),
    ];

    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Path.Combine(Path.GetTempPath(), "sessions-plan-tests-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void TearDown()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    [Test]
    public async Task ExecuteAsync_Dag_RunsEveryStepAfterItsDependenciesCompletedWithTheirOutputs()
    {
        var executor = new TestStepExecutor();
        var completed = new List<string>();
        executor.Run = async (c, _) =>
        {
            await Task.Yield();
            lock (completed)
            {
                Assert.That(c.Step.Dependencies.All(completed.Contains), Is.True, $"{c.Step.Id} started before its dependencies completed");
                completed.Add(c.Step.Id);
            }

            return "out-" + c.Step.Id;
        };
        using var host = new PlanTestHost(o => o.RequireApproval = false, executor);
        var planner = await host.Plans.CreateAsync("Ship it", Diamond);

        var result = await planner.ExecuteAsync();

        Assert.That(result.Status, Is.EqualTo(PlanStatus.Completed));
        Assert.That(result.Succeeded, Is.True);
        Assert.That(executor.StepIds, Is.EquivalentTo(new[] { "a", "b", "c", "d", "e" }));
        var d = executor.Calls.Single(c => c.StepId == "d");
        Assert.That(d.Inputs, Is.EqualTo(new Dictionary<string, string> { ["b"] = "out-b", ["c"] = "out-c" }));
        Assert.That(result.Plan.Steps.Select(s => (s.Status, s.Output, s.Attempts)), Is.All.Matches<(PlanStepStatus Status, string? Output, int Attempts)>(x => x.Status == PlanStepStatus.Completed && x.Output!.StartsWith("out-", StringComparison.Ordinal) && x.Attempts == 1));
        Assert.That(result.ExecutedStepIds, Has.Count.EqualTo(5));
    }

    [TestCase(1, 6)]
    [TestCase(3, 12)]
    [TestCase(4, 8)]
    public async Task ExecuteAsync_IndependentSteps_RunInParallelUpToMaxParallelSteps(int limit, int count)
    {
        // Each step waits until `limit` steps run at once (or 10 s pass), so the observed maximum reaches the limit exactly when respected.
        var executor = new TestStepExecutor();
        var waiting = new List<TaskCompletionSource>();
        int running = 0;
        executor.Run = async (c, ct) =>
        {
            TaskCompletionSource tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (waiting)
            {
                running++;
                waiting.Add(tcs);
                if (running == limit)
                {
                    foreach (var w in waiting) w.TrySetResult();
                    waiting.Clear();
                    running = 0;
                }
            }

            await tcs.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
            return "ok";
        };
        using var host = new PlanTestHost(o => { o.RequireApproval = false; o.MaxParallelSteps = limit; o.MaxSteps = 100; }, executor);
        var planner = await host.Plans.CreateAsync("Parallel", Enumerable.Range(0, count).Select(i => PlanTestHost.Step("s" + i)));

        var result = await planner.ExecuteAsync();

        Assert.That(result.Status, Is.EqualTo(PlanStatus.Completed));
        Assert.That(executor.MaxRunning, Is.EqualTo(limit));
        Assert.That(executor.Calls, Has.Count.EqualTo(count));
    }

    [Test]
    public async Task ExecuteAsync_StepExceedsTimeout_CancelsItsTokenAndMarksItTimedOut()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var started = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var executor = new TestStepExecutor(async (c, ct) =>
        {
            started.TrySetResult(ct);
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        });
        using var host = new PlanTestHost(o => { o.RequireApproval = false; o.StepTimeout = TimeSpan.FromMinutes(1); o.MaxStepRetries = 0; }, executor, time: time);
        var planner = await host.Plans.CreateAsync("Slow", [PlanTestHost.Step("slow"), PlanTestHost.Step("after", "slow")]);

        var execution = planner.ExecuteAsync();
        var token = await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(token.IsCancellationRequested, Is.False);
        time.Advance(TimeSpan.FromMinutes(1));
        var result = await execution.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(token.IsCancellationRequested, Is.True, "the executor's token is cancelled at the timeout");
        Assert.That(result.Status, Is.EqualTo(PlanStatus.Failed));
        var slow = result.Plan.GetStep("slow");
        Assert.That(slow.Status, Is.EqualTo(PlanStepStatus.TimedOut));
        Assert.That(slow.Error, Does.Contain("Timed out after 60 s"));
        Assert.That(result.Plan.GetStep("after").Status, Is.EqualTo(PlanStepStatus.Skipped));
        Assert.That(executor.StepIds, Is.EqualTo(new[] { "slow" }));
    }

    [Test]
    public async Task ExecuteAsync_ExecutorIgnoresItsToken_IsAbandonedAtTheTimeoutAndRetried()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var never = new TaskCompletionSource<string>();
        var calls = 0;
        var started = new SemaphoreSlim(0);
        var executor = new TestStepExecutor((c, ct) =>
        {
            started.Release();
            return Interlocked.Increment(ref calls) == 1 ? never.Task : Task.FromResult("second try");
        });
        using var host = new PlanTestHost(o => { o.RequireApproval = false; o.StepTimeout = TimeSpan.FromSeconds(30); o.MaxStepRetries = 1; }, executor, time: time);
        var planner = await host.Plans.CreateAsync("Stubborn", [PlanTestHost.Step("x")]);

        var execution = planner.ExecuteAsync();
        Assert.That(await started.WaitAsync(TimeSpan.FromSeconds(10)), Is.True);
        time.Advance(TimeSpan.FromSeconds(30));
        var result = await execution.WaitAsync(TimeSpan.FromSeconds(10));

        var x = result.Plan.GetStep("x");
        Assert.That(x.Status, Is.EqualTo(PlanStepStatus.Completed));
        Assert.That(x.Output, Is.EqualTo("second try"));
        Assert.That(x.Attempts, Is.EqualTo(2));
    }

    [Test]
    public async Task ExecuteAsync_StepFailsTwiceThenSucceeds_IsRetriedWithinMaxStepRetries()
    {
        var executor = new TestStepExecutor((c, _) => c.Step.Id == "b" && c.Attempt < 3 ? throw new InvalidOperationException("flaky " + c.Attempt) : Task.FromResult("done " + c.Step.Id));
        using var host = new PlanTestHost(o => { o.RequireApproval = false; o.MaxStepRetries = 2; }, executor);
        var planner = await host.Plans.CreateAsync("Retry", [PlanTestHost.Step("a"), PlanTestHost.Step("b", "a")]);

        var result = await planner.ExecuteAsync();

        Assert.That(result.Status, Is.EqualTo(PlanStatus.Completed));
        Assert.That(executor.Calls.Where(c => c.StepId == "b").Select(c => c.Attempt), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(result.Plan.GetStep("b").Attempts, Is.EqualTo(3));
        Assert.That(result.Plan.GetStep("b").Output, Is.EqualTo("done b"));
        Assert.That(result.Plan.GetStep("b").Error, Is.Null);
    }

    [Test]
    public async Task ExecuteAsync_StepKeepsFailing_IsFailedAfterRetriesAndRecordsTheError()
    {
        var executor = new TestStepExecutor((c, _) => throw new InvalidOperationException("disk on fire"));
        using var host = new PlanTestHost(o => { o.RequireApproval = false; o.MaxStepRetries = 1; }, executor);
        var planner = await host.Plans.CreateAsync("Fail", [PlanTestHost.Step("a")]);

        var result = await planner.ExecuteAsync();

        Assert.That(result.Status, Is.EqualTo(PlanStatus.Failed));
        var a = result.Plan.GetStep("a");
        Assert.That(a.Status, Is.EqualTo(PlanStepStatus.Failed));
        Assert.That(a.Attempts, Is.EqualTo(2));
        Assert.That(a.Error, Is.EqualTo("InvalidOperationException: disk on fire"));
    }

    [Test]
    public async Task ExecuteAsync_StepFailsWithoutContinueOnError_SkipsDependentsAndStartsNothingNew()
    {
        var executor = new TestStepExecutor((c, _) => c.Step.Id == "a" ? throw new InvalidOperationException("boom") : Task.FromResult("ok"));
        using var host = new PlanTestHost(o => { o.RequireApproval = false; o.MaxStepRetries = 0; o.MaxParallelSteps = 1; o.ContinueOnError = false; }, executor);
        var planner = await host.Plans.CreateAsync("Skip", [PlanTestHost.Step("a"), PlanTestHost.Step("b", "a"), PlanTestHost.Step("c", "b"), PlanTestHost.Step("d")]);

        var result = await planner.ExecuteAsync();

        Assert.That(result.Status, Is.EqualTo(PlanStatus.Failed));
        Assert.That(executor.StepIds, Is.EqualTo(new[] { "a" }));
        Assert.That(result.Plan.GetStep("b").Status, Is.EqualTo(PlanStepStatus.Skipped));
        Assert.That(result.Plan.GetStep("b").Error, Is.EqualTo("Dependency 'a' failed."));
        Assert.That(result.Plan.GetStep("c").Status, Is.EqualTo(PlanStepStatus.Skipped));
        Assert.That(result.Plan.GetStep("c").Error, Is.EqualTo("Dependency 'b' was skipped."));
        Assert.That(result.Plan.GetStep("d").Status, Is.EqualTo(PlanStepStatus.Pending), "an independent step does not start after a failure");
    }

    [Test]
    public async Task ExecuteAsync_StepFailsWithContinueOnError_RunsIndependentBranchesAndSkipsDependents()
    {
        var executor = new TestStepExecutor((c, _) => c.Step.Id == "a" ? throw new InvalidOperationException("boom") : Task.FromResult("ok " + c.Step.Id));
        using var host = new PlanTestHost(o => { o.RequireApproval = false; o.MaxStepRetries = 0; o.MaxParallelSteps = 1; o.ContinueOnError = true; }, executor);
        var planner = await host.Plans.CreateAsync("Continue", [PlanTestHost.Step("a"), PlanTestHost.Step("b", "a"), PlanTestHost.Step("d"), PlanTestHost.Step("e", "d")]);

        var result = await planner.ExecuteAsync();

        Assert.That(result.Status, Is.EqualTo(PlanStatus.Failed));
        Assert.That(executor.StepIds, Is.EqualTo(new[] { "a", "d", "e" }));
        Assert.That(result.Plan.GetStep("b").Status, Is.EqualTo(PlanStepStatus.Skipped));
        Assert.That(result.Plan.GetStep("e").Output, Is.EqualTo("ok e"));
    }

    [Test]
    public async Task ExecuteAsync_NotApproved_ThrowsSayingToApprove_AndApprovalSurvivesARestart()
    {
        var executor = new TestStepExecutor();
        string planId;
        using (var first = new PlanTestHost(fileDirectory: _dir, executor: executor))
        {
            var planner = await first.Plans.CreateAsync("Gate", Diamond);
            planId = planner.Plan.Id;
            Assert.That(planner.Plan.Status, Is.EqualTo(PlanStatus.AwaitingApproval));
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => planner.ExecuteAsync());
            Assert.That(ex!.Message, Does.Contain("call ApproveAsync before ExecuteAsync"));
        }

        using (var second = new PlanTestHost(fileDirectory: _dir, executor: executor))
        {
            var reopened = await second.Plans.OpenAsync(planId);
            Assert.That(reopened.Plan.Status, Is.EqualTo(PlanStatus.AwaitingApproval));
            await Assert.ThrowsAsync<InvalidOperationException>(() => reopened.ExecuteAsync());
            await reopened.ApproveAsync();
        }

        Assert.That(executor.Calls, Is.Empty);
        using (var third = new PlanTestHost(fileDirectory: _dir, executor: executor))
        {
            var reopened = await third.Plans.OpenAsync(planId);
            Assert.That(reopened.Plan.Status, Is.EqualTo(PlanStatus.Approved));
            Assert.That(reopened.Plan.ApprovedAt, Is.Not.Null);
            var result = await reopened.ExecuteAsync();
            Assert.That(result.Status, Is.EqualTo(PlanStatus.Completed));
        }

        Assert.That(executor.Calls, Has.Count.EqualTo(5));
    }

    [Test]
    public async Task ExecuteAsync_DryRun_ExecutesAndStoresNothingAndReportsTheSchedule()
    {
        var executor = new TestStepExecutor();
        using var host = new PlanTestHost(executor: executor);
        var planner = await host.Plans.CreateAsync("Preview", Diamond);
        long messages = (await host.Sessions.GetInfoAsync(planner.Session.Id))!.MessageCount;
        var reports = new List<PlanProgress>();

        var preview = await planner.ExecuteAsync(new PlanExecutionOptions { DryRun = true }, new SyncProgress(reports));

        Assert.That(preview.IsDryRun, Is.True);
        Assert.That(executor.Calls, Is.Empty);
        Assert.That((await host.Sessions.GetInfoAsync(planner.Session.Id))!.MessageCount, Is.EqualTo(messages));
        Assert.That(preview.Schedule, Is.EqualTo(new[] { new[] { "a", "e" }, new[] { "b", "c" }, new[] { "d" } }));
        Assert.That(preview.ExecutedStepIds, Is.EqualTo(new[] { "a", "e", "b", "c", "d" }));
        Assert.That(reports.Select(r => r.Kind), Is.All.EqualTo(PlanProgressKind.StepPlanned));
        Assert.That(planner.Plan.Status, Is.EqualTo(PlanStatus.AwaitingApproval));
        Assert.That(planner.Plan.Steps.Select(s => s.Status), Is.All.EqualTo(PlanStepStatus.Pending));
    }

    [Test]
    public async Task ExecuteAsync_CallerCancels_PersistsRunningStepsAsCancelled_AndANewProcessResumesOnlyUnfinishedSteps()
    {
        var bStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executor = new TestStepExecutor(async (c, ct) =>
        {
            if (c.Step.Id == "b")
            {
                bStarted.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }

            return "out-" + c.Step.Id;
        });
        using var cts = new CancellationTokenSource();
        string planId;
        using (var first = new PlanTestHost(o => { o.RequireApproval = false; o.MaxParallelSteps = 1; }, executor, fileDirectory: _dir))
        {
            var planner = await first.Plans.CreateAsync("Cancel", [PlanTestHost.Step("a"), PlanTestHost.Step("b", "a"), PlanTestHost.Step("c", "b")]);
            planId = planner.Plan.Id;
            var execution = planner.ExecuteAsync(cancellationToken: cts.Token);
            await bStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await cts.CancelAsync();
            Assert.That(async () => await execution, Throws.InstanceOf<OperationCanceledException>());
            Assert.That(planner.Plan.Status, Is.EqualTo(PlanStatus.Cancelled));
            Assert.That(planner.Plan.GetStep("b").Status, Is.EqualTo(PlanStepStatus.Cancelled));
        }

        var resumed = new TestStepExecutor();
        using (var second = new PlanTestHost(o => { o.RequireApproval = false; }, resumed, fileDirectory: _dir))
        {
            var planner = await second.Plans.OpenAsync(planId);
            Assert.That(planner.Plan.Status, Is.EqualTo(PlanStatus.Cancelled));
            Assert.That(planner.Plan.GetStep("a").Status, Is.EqualTo(PlanStepStatus.Completed));
            Assert.That(planner.Plan.GetStep("b").Status, Is.EqualTo(PlanStepStatus.Cancelled));
            var result = await planner.ExecuteAsync();
            Assert.That(result.Status, Is.EqualTo(PlanStatus.Completed));
            Assert.That(resumed.StepIds, Is.EqualTo(new[] { "b", "c" }), "the completed step is never run again");
            Assert.That(result.Plan.GetStep("a").Output, Is.EqualTo("out-a"));
            Assert.That(result.Plan.GetStep("b").Attempts, Is.EqualTo(2));
        }
    }

    [Test]
    public async Task ExecuteAsync_CompletedPlan_RunsNothing()
    {
        var executor = new TestStepExecutor();
        using var host = new PlanTestHost(o => o.RequireApproval = false, executor);
        var planner = await host.Plans.CreateAsync("Once", [PlanTestHost.Step("a")]);
        await planner.ExecuteAsync();

        var again = await planner.ExecuteAsync();

        Assert.That(again.Status, Is.EqualTo(PlanStatus.Completed));
        Assert.That(again.ExecutedStepIds, Is.Empty);
        Assert.That(executor.Calls, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task ReviseAsync_Steps_KeepsUnchangedCompletedStepsAndNeedsApprovalAgain()
    {
        var executor = new TestStepExecutor((c, _) => c.Step.Id == "c" ? throw new InvalidOperationException("bad c") : Task.FromResult("out-" + c.Step.Id));
        using var host = new PlanTestHost(o => o.MaxStepRetries = 0, executor);
        var planner = await host.Plans.CreateAsync("Revise", [PlanTestHost.Step("a"), PlanTestHost.Step("b", "a"), PlanTestHost.Step("c", "b")]);
        await planner.ApproveAsync();
        Assert.That((await planner.ExecuteAsync()).Status, Is.EqualTo(PlanStatus.Failed));

        await planner.ReviseAsync([PlanTestHost.Step("a"), PlanTestHost.Step("b", "a"), PlanTestHost.Step("c2", "b") with { Title = "Do c better" }], title: "Revised");

        Assert.That(planner.Plan.Title, Is.EqualTo("Revised"));
        Assert.That(planner.Plan.Revision, Is.EqualTo(1));
        Assert.That(planner.Plan.Status, Is.EqualTo(PlanStatus.AwaitingApproval));
        Assert.That(planner.Plan.GetStep("b").Status, Is.EqualTo(PlanStepStatus.Completed));
        await Assert.ThrowsAsync<InvalidOperationException>(() => planner.ExecuteAsync());
        await planner.ApproveAsync();
        var result = await planner.ExecuteAsync();
        Assert.That(result.Status, Is.EqualTo(PlanStatus.Completed));
        Assert.That(result.ExecutedStepIds, Is.EqualTo(new[] { "c2" }));
    }

    [Test]
    public async Task RejectAsync_CancelsThePlan_AndExecuteRefusesUntilApproved()
    {
        using var host = new PlanTestHost(executor: new TestStepExecutor());
        var planner = await host.Plans.CreateAsync("No", [PlanTestHost.Step("a")]);

        await planner.RejectAsync("too risky");

        Assert.That(planner.Plan.Status, Is.EqualTo(PlanStatus.Cancelled));
        Assert.That(planner.Plan.RejectionReason, Is.EqualTo("too risky"));
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => planner.ExecuteAsync());
        Assert.That(ex!.Message, Does.Contain("was rejected"));
        var reopened = await host.Plans.OpenAsync(planner.Plan.Id);
        Assert.That(reopened.Plan.RejectionReason, Is.EqualTo("too risky"));
    }

    [Test]
    public async Task ApproveAsync_WithAutoExecute_RunsThePlan()
    {
        var executor = new TestStepExecutor();
        using var host = new PlanTestHost(o => o.AutoExecute = true, executor);
        var planner = await host.Plans.CreateAsync("Auto", [PlanTestHost.Step("a")]);
        Assert.That(executor.Calls, Is.Empty);

        await planner.ApproveAsync();

        Assert.That(planner.Plan.Status, Is.EqualTo(PlanStatus.Completed));
        Assert.That(executor.StepIds, Is.EqualTo(new[] { "a" }));
    }

    [Test]
    public async Task CreateAsync_WithAutoExecuteAndNoApproval_RunsThePlanBeforeReturning()
    {
        var executor = new TestStepExecutor();
        using var host = new PlanTestHost(o => { o.AutoExecute = true; o.RequireApproval = false; }, executor);

        var planner = await host.Plans.CreateAsync("Auto", Diamond);

        Assert.That(planner.Plan.Status, Is.EqualTo(PlanStatus.Completed));
        Assert.That(executor.Calls, Has.Count.EqualTo(5));
    }

    [Test]
    public async Task ExecuteAsync_ReportsProgressAndWatchersSeeTheSameEventsInOrder()
    {
        using var host = new PlanTestHost(o => { o.RequireApproval = false; o.MaxParallelSteps = 1; }, new TestStepExecutor());
        var planner = await host.Plans.CreateAsync("Watch", [PlanTestHost.Step("a"), PlanTestHost.Step("b", "a")]);
        using var stop = new CancellationTokenSource();
        var watched = new List<PlanProgress>();
        var watchStarted = new TaskCompletionSource();
        var watcher = Task.Run(async () =>
        {
            var stream = planner.WatchAsync(stop.Token).GetAsyncEnumerator();
            var first = stream.MoveNextAsync();
            watchStarted.SetResult();
            try
            {
                if (!await first) return;
                do
                {
                    watched.Add(stream.Current);
                    if (stream.Current.Kind == PlanProgressKind.PlanStatusChanged && stream.Current.PlanStatus == PlanStatus.Completed) return;
                }
                while (await stream.MoveNextAsync());
            }
            finally
            {
                await stream.DisposeAsync();
            }
        });
        await watchStarted.Task;
        var reports = new List<PlanProgress>();

        await planner.ExecuteAsync(progress: new SyncProgress(reports));
        await watcher.WaitAsync(TimeSpan.FromSeconds(10));

        var expected = new[]
        {
            (PlanProgressKind.PlanStatusChanged, (string?)null, PlanStatus.Executing),
            (PlanProgressKind.StepStarted, "a", PlanStatus.Executing),
            (PlanProgressKind.StepFinished, "a", PlanStatus.Executing),
            (PlanProgressKind.StepStarted, "b", PlanStatus.Executing),
            (PlanProgressKind.StepFinished, "b", PlanStatus.Executing),
            (PlanProgressKind.PlanStatusChanged, null, PlanStatus.Completed),
        };
        Assert.That(reports.Select(r => (r.Kind, r.Step?.Id, r.PlanStatus)), Is.EqualTo(expected));
        Assert.That(watched.Select(r => (r.Kind, r.Step?.Id, r.PlanStatus)), Is.EqualTo(expected));
        Assert.That(reports[^1].CompletedSteps, Is.EqualTo(2));
        Assert.That(reports[^1].TotalSteps, Is.EqualTo(2));
    }

    [Test]
    public async Task ExecuteAsync_EmitsOnePlanSpanAndOneSpanPerStepAttempt()
    {
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Sessions.Sdk",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (activities) activities.Add(a); },
        };
        ActivitySource.AddActivityListener(listener);
        using var host = new PlanTestHost(o => o.RequireApproval = false, new TestStepExecutor());
        var planner = await host.Plans.CreateAsync("Traced", [PlanTestHost.Step("a"), PlanTestHost.Step("b", "a")]);

        await planner.ExecuteAsync();

        List<Activity> mine;
        lock (activities) mine = [.. activities.Where(a => Equals(a.GetTagItem("sessions.plan.id"), planner.Plan.Id))];
        var plan = mine.Single(a => a.OperationName == "execute_plan");
        var steps = mine.Where(a => a.OperationName == "execute_plan_step").ToList();
        Assert.That(steps.Select(s => s.GetTagItem("sessions.plan.step.id")), Is.EquivalentTo(new[] { "a", "b" }));
        Assert.That(steps.Select(s => s.ParentSpanId), Is.All.EqualTo(plan.SpanId));
        Assert.That(plan.GetTagItem("sessions.plan.status"), Is.EqualTo("Completed"));
    }

    [Test]
    public async Task OpenAsync_FoldsTheStoredEventsIntoTheSamePlan()
    {
        using var host = new PlanTestHost(o => o.RequireApproval = false, new TestStepExecutor(), fileDirectory: _dir);
        var planner = await host.Plans.CreateAsync("Fold", Diamond, title: "The fold");
        await planner.ExecuteAsync();

        using var other = new PlanTestHost(o => o.RequireApproval = false, new TestStepExecutor(), fileDirectory: _dir);
        var reopened = await other.Plans.OpenAsync(planner.Plan.Id);

        Assert.That(reopened.Plan.Title, Is.EqualTo("The fold"));
        Assert.That(reopened.Plan.Goal, Is.EqualTo("Fold"));
        Assert.That(reopened.Plan.Status, Is.EqualTo(PlanStatus.Completed));
        static string Describe(PlanStep s) => $"{s.Id}|{s.Title}|{s.Description}|{string.Join(',', s.Dependencies)}|{s.Status}|{s.Output}|{s.Error}|{s.Attempts}|{s.StartedAt:O}|{s.CompletedAt:O}";
        Assert.That(reopened.Plan.Steps.Select(Describe), Is.EqualTo(planner.Plan.Steps.Select(Describe)));
        Assert.That(reopened.Session.Kind, Is.EqualTo(SessionKind.Plan));
    }

    private sealed class SyncProgress(List<PlanProgress> into) : IProgress<PlanProgress>
    {
        public void Report(PlanProgress value)
        {
            lock (into) into.Add(value);
        }
    }
}
