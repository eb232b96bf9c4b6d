using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Sessions.Sdk.Tests;

/// <summary>Kill -9 during plan execution (child processes of the test host): finished steps never run twice, every finished output is kept.</summary>
[TestFixture]
[NonParallelizable]
public sealed class PlanCrashTests
{
    private string _root = null!;


    [SetUp]
    public void SetUp() => _root = Path.Combine(Path.GetTempPath(), "sessions-plan-crash-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void TearDown()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Kill9_DuringExecution_ResumeRunsOnlyUnfinishedStepsAndKeepsEveryFinishedOutput()
    {
        // Two lanes (separate stores, separate children) side by side: the machine has two cores and a child mostly starts up.
        const int lanes = 2, killsPerLane = 30;
        var watch = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, lanes).Select(lane => Task.Run(() => RunLaneAsync(Path.Combine(_root, "lane" + lane), 20261206 + lane, killsPerLane))));
        TestContext.Out.WriteLine($"plan kill -9: {results.Sum(r => r.Kills)} kills over {results.Sum(r => r.Runs)} runs of {results.Sum(r => r.Plans)} plans in {watch.Elapsed.TotalSeconds:0.0} s; {results.Sum(r => r.Starts)} step starts; {results.Sum(r => r.RerunInFlight)} steps found running after a kill (run again on resume); 0 finished steps run twice, 0 finished outputs lost");
        Assert.That(results.Sum(r => r.Kills), Is.GreaterThanOrEqualTo(50));
    }

    private async Task<(int Kills, int Runs, int Plans, int Starts, int RerunInFlight)> RunLaneAsync(string root, int seed, int minimumKills)
    {
        var random = new Random(seed);
        int kills = 0, plans = 0, runs = 0, rerunInFlight = 0, starts = 0;
        while (kills < minimumKills)
        {
            plans++;
            var steps = RandomDag(random, count: random.Next(20, 36));
            var expected = ExpectedOutputs(steps);
            string planId;
            using (var host = new PlanTestHost(o => { o.RequireApproval = false; o.MaxSteps = 1000; }, fileDirectory: root))
            {
                planId = (await host.Plans.CreateAsync("crash plan " + plans, steps)).Plan.Id;
            }

            var finished = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int attempt = 0; ; attempt++)
            {
                Assert.That(attempt, Is.LessThan(200), "the plan never completed");
                runs++;
                var (lines, killed) = await RunAndMaybeKillAsync(root, planId, random.Next(), killAfterStarts: random.Next(1, 12), extraSpins: random.Next(0, 3) * random.Next(0, 200_000));
                if (killed) kills++;
                var started = lines.Where(l => l.StartsWith("S ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).ToList();
                starts += started.Count;

                // Finished steps (as stored before this run) never run again, and no step starts twice in one run.
                Assert.That(started.Where(finished.ContainsKey), Is.Empty, $"plan {planId} run {attempt}: finished steps ran again");
                Assert.That(started, Is.Unique, $"plan {planId} run {attempt}: a step started twice in one run");

                var plan = await OpenAsync(root, planId);
                foreach (var (id, output) in finished)
                {
                    Assert.That(plan.GetStep(id).Status, Is.EqualTo(PlanStepStatus.Completed), $"plan {planId}: finished step {id} was lost");
                    Assert.That(plan.GetStep(id).Output, Is.EqualTo(output), $"plan {planId}: finished output of {id} changed");
                }

                foreach (var step in plan.Steps.Where(s => s.IsCompleted))
                {
                    Assert.That(step.Output, Is.EqualTo(expected[step.Id]), $"plan {planId}: output of {step.Id}");
                    Assert.That(step.Dependencies.All(d => plan.GetStep(d).IsCompleted), Is.True, $"plan {planId}: {step.Id} completed before a dependency");
                    finished[step.Id] = step.Output!;
                }

                rerunInFlight += plan.Steps.Count(s => s.Status == PlanStepStatus.Running);
                if (!killed)
                {
                    Assert.That(lines, Does.Contain("done Completed"));
                }

                if (plan.Status == PlanStatus.Completed)
                {
                    Assert.That(finished.Keys, Is.EquivalentTo(steps.Select(s => s.Id)));
                    break;
                }
            }
        }

        return (kills, runs, plans, starts, rerunInFlight);
    }

    private static async Task<Plan> OpenAsync(string root, string planId)
    {
        using var host = new PlanTestHost(o => { o.RequireApproval = false; o.MaxSteps = 1000; }, fileDirectory: root);
        return (await host.Plans.OpenAsync(planId)).Plan;
    }

    private static List<PlanStep> RandomDag(Random random, int count)
    {
        var steps = new List<PlanStep>();
        for (int i = 0; i < count; i++)
        {
            var deps = Enumerable.Range(0, i).Where(_ => random.Next(100) < 20).Take(3).Select(j => "s" + j).ToArray();
            steps.Add(PlanTestHost.Step("s" + i, deps));
        }

        return steps;
    }

    private static Dictionary<string, string> ExpectedOutputs(List<PlanStep> steps)
    {
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            var inputs = string.Join(",", step.Dependencies.Select(d => outputs[d]));
            outputs[step.Id] = $"out-{step.Id}[{inputs.Length}]";
        }

        return outputs;
    }

    private static async Task<(List<string> Lines, bool Killed)> RunAndMaybeKillAsync(string root, string planId, int seed, int killAfterStarts, int extraSpins)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Sessions.Sdk.TestHost.dll"));
        foreach (var a in new[] { "plan-crash", root, planId, seed.ToString(CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
        using var child = Process.Start(psi)!;
        var stderr = child.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        int startsSeen = 0;
        bool killed = false;
        var reader = new Thread(() =>
        {
            // Only complete lines count: a line cut by the kill is ignored. The kill happens right here, on the k-th step start
            // (plus a random spin), so kill points land anywhere between a step's start, its output and the next decision.
            var stream = child.StandardOutput.BaseStream;
            var pending = new List<byte>();
            var buffer = new byte[4096];
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                for (int i = 0; i < n; i++)
                {
                    if (buffer[i] != (byte)'\n')
                    {
                        pending.Add(buffer[i]);
                        continue;
                    }

                    var line = Encoding.UTF8.GetString([.. pending]);
                    pending.Clear();
                    lock (lines) lines.Add(line);
                    if (line.StartsWith("S ", StringComparison.Ordinal) && ++startsSeen == killAfterStarts && !killed)
                    {
                        Thread.SpinWait(extraSpins);
                        try
                        {
                            child.Kill(); // SIGKILL; the child has no children of its own
                            killed = true;
                        }
                        catch (InvalidOperationException)
                        {
                            // Already exited.
                        }
                    }
                }
            }
        })
        { IsBackground = true };
        reader.Start();
        if (!child.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            child.Kill(entireProcessTree: true);
            Assert.Fail("the plan child did not finish within 60 s");
        }

        await child.WaitForExitAsync();
        reader.Join(TimeSpan.FromSeconds(10));
        if (!killed)
        {
            Assert.That(child.ExitCode, Is.Zero, "the plan child failed: " + await stderr);
        }

        lock (lines) return ([.. lines], killed);
    }
}
