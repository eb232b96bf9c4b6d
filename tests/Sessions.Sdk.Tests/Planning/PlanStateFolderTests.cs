using System.Text.Json;

namespace Sessions.Sdk.Tests;

[TestFixture]
public sealed class PlanStateFolderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 1, 0, 0, TimeSpan.Zero);

    private static PlanStateEvent Created(params (string Id, string[] Deps)[] steps) => new()
    {
        At = T0,
        Goal = "goal",
        Title = "title",
        RequireApproval = true,
        Steps = [.. steps.Select(s => new PlanStepDefinition { Id = s.Id, Title = "T " + s.Id, Dependencies = s.Deps })],
    };

    [Test]
    public void Apply_ExecutionEvents_FoldsStatusesOutputsAttemptsAndTimes()
    {
        var folder = new PlanStateFolder("p1");
        folder.Apply(PlanEvents.Created, Created(("a", []), ("b", ["a"])));
        Assert.That(folder.Plan!.Status, Is.EqualTo(PlanStatus.AwaitingApproval));
        folder.Apply(PlanEvents.Approved, new PlanStateEvent { At = T0.AddSeconds(1) });
        folder.Apply(PlanEvents.ExecutionStarted, new PlanStateEvent { At = T0.AddSeconds(2) });
        folder.Apply(PlanEvents.StepStarted, new PlanStateEvent { At = T0.AddSeconds(3), StepId = "a", Attempt = 1 });
        folder.Apply(PlanEvents.StepFailed, new PlanStateEvent { At = T0.AddSeconds(4), StepId = "a", Error = "oops", Final = false });
        Assert.That(folder.Plan.GetStep("a").Status, Is.EqualTo(PlanStepStatus.Pending));
        Assert.That(folder.Plan.GetStep("a").Error, Is.EqualTo("oops"));
        folder.Apply(PlanEvents.StepStarted, new PlanStateEvent { At = T0.AddSeconds(5), StepId = "a", Attempt = 2 });
        Assert.That(folder.Plan.GetStep("a").Status, Is.EqualTo(PlanStepStatus.Running));
        folder.Apply(PlanEvents.StepCompleted, new PlanStateEvent { At = T0.AddSeconds(6), StepId = "a", Output = "A!" });
        folder.Apply(PlanEvents.StepStarted, new PlanStateEvent { At = T0.AddSeconds(7), StepId = "b", Attempt = 1 });
        folder.Apply(PlanEvents.StepFailed, new PlanStateEvent { At = T0.AddSeconds(8), StepId = "b", Error = "slow", TimedOut = true, Final = true });
        folder.Apply(PlanEvents.ExecutionEnded, new PlanStateEvent { At = T0.AddSeconds(9), Status = PlanStatus.Failed });

        var plan = folder.Plan;
        Assert.That(plan.Status, Is.EqualTo(PlanStatus.Failed));
        Assert.That(plan.ApprovedAt, Is.EqualTo(T0.AddSeconds(1)));
        Assert.That(plan.UpdatedAt, Is.EqualTo(T0.AddSeconds(9)));
        var a = plan.GetStep("a");
        Assert.That((a.Status, a.Output, a.Error, a.Attempts, a.StartedAt, a.CompletedAt), Is.EqualTo((PlanStepStatus.Completed, "A!", (string?)null, 2, (DateTimeOffset?)T0.AddSeconds(5), (DateTimeOffset?)T0.AddSeconds(6))));
        var b = plan.GetStep("b");
        Assert.That((b.Status, b.Error, b.Attempts), Is.EqualTo((PlanStepStatus.TimedOut, "slow", 1)));
        Assert.That(folder.EventCount, Is.EqualTo(10));
    }

    [Test]
    public void Apply_Revised_KeepsCompletedStepsOnlyWhenTheyAndTheirUpstreamAreUnchanged()
    {
        var folder = new PlanStateFolder("p1");
        folder.Apply(PlanEvents.Created, Created(("a", []), ("b", ["a"]), ("c", ["b"]), ("x", [])));
        foreach (var id in new[] { "a", "b", "c", "x" })
        {
            folder.Apply(PlanEvents.StepStarted, new PlanStateEvent { At = T0, StepId = id, Attempt = 1 });
            folder.Apply(PlanEvents.StepCompleted, new PlanStateEvent { At = T0, StepId = id, Output = id });
        }

        // b's title changes: b and c (downstream) start over; a and x are kept.
        folder.Apply(PlanEvents.Revised, new PlanStateEvent
        {
            At = T0,
            RequireApproval = true,
            Steps =
            [
                new PlanStepDefinition { Id = "a", Title = "T a", Dependencies = [] },
                new PlanStepDefinition { Id = "b", Title = "T b changed", Dependencies = ["a"] },
                new PlanStepDefinition { Id = "c", Title = "T c", Dependencies = ["b"] },
                new PlanStepDefinition { Id = "x", Title = "T x", Dependencies = [] },
            ],
        });

        var plan = folder.Plan!;
        Assert.That(plan.Steps.Select(s => s.Status), Is.EqualTo(new[] { PlanStepStatus.Completed, PlanStepStatus.Pending, PlanStepStatus.Pending, PlanStepStatus.Completed }));
        Assert.That(plan.Status, Is.EqualTo(PlanStatus.AwaitingApproval));
        Assert.That(plan.Revision, Is.EqualTo(1));
    }

    [Test]
    public void Apply_EventForUnknownStep_ThrowsSessionFormatExceptionNamingThePlan()
    {
        var folder = new PlanStateFolder("p1");
        folder.Apply(PlanEvents.Created, Created(("a", [])));
        var ex = Assert.Throws<SessionFormatException>(() => folder.Apply(PlanEvents.StepStarted, new PlanStateEvent { StepId = "zz" }));
        Assert.That(ex!.SessionId, Is.EqualTo("p1"));
        Assert.That(ex.Message, Does.Contain("'zz'"));
    }

    [Test]
    public void Apply_UnknownEventOrEventBeforeCreation_ThrowsSessionFormatException()
    {
        Assert.Throws<SessionFormatException>(() => new PlanStateFolder("p").Apply(PlanEvents.Approved, new PlanStateEvent()));
        var folder = new PlanStateFolder("p");
        folder.Apply(PlanEvents.Created, Created(("a", [])));
        Assert.Throws<SessionFormatException>(() => folder.Apply("plan.exploded", new PlanStateEvent()));
        Assert.Throws<SessionFormatException>(() => folder.Apply(PlanEvents.Created, Created(("a", []))));
    }

    [Test]
    public void FromJson_NewerVersion_ThrowsSessionFormatException()
    {
        var data = JsonDocument.Parse("{\"v\":2,\"at\":\"2026-12-06T01:00:00+00:00\"}").RootElement;
        var ex = Assert.Throws<SessionFormatException>(() => PlanStateEvent.FromJson(data, "p1"));
        Assert.That(ex!.Message, Does.Contain("version 2"));
    }

    [Test]
    public void ToJson_RoundTripsEveryField()
    {
        var e = new PlanStateEvent { At = T0, StepId = "s", Attempt = 2, Output = "o", Error = "e", TimedOut = true, Final = false, Status = PlanStatus.Executing, Reason = "r" };
        var json = e.ToJson();
        Assert.That(json.GetProperty("v").GetInt32(), Is.EqualTo(1));
        Assert.That(json.GetProperty("status").GetString(), Is.EqualTo("Executing"));
        Assert.That(PlanStateEvent.FromJson(json, "p"), Is.EqualTo(e));
    }
}
