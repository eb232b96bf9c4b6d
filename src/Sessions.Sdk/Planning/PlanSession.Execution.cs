using System.Diagnostics;
using System.Globalization;

namespace Sessions.Sdk;

/// <content>Execution: dependency scheduling, parallelism, timeouts, retries, skipping, cancellation and resume.</content>
public sealed partial class PlanSession
{
    /// <summary>Executes the plan's unfinished steps in dependency order, independent ones in parallel, and persists every step's start, output and end.</summary>
    /// <param name="options">Execution options (such as <see cref="PlanExecutionOptions.DryRun"/>); <see langword="null"/> for the defaults.</param>
    /// <param name="progress">Receives an event after each persisted change (and, for a dry run, each step that would run).</param>
    /// <param name="cancellationToken">Cancels running steps (persisted as cancelled) and stops the execution.</param>
    /// <returns>The outcome: the plan after the execution and the steps that ran. A failed or timed-out step makes the plan <see cref="PlanStatus.Failed"/>; it is not thrown.</returns>
    /// <remarks>
    /// Completed steps never run again: a later call (in this or another process, after <see cref="IPlanSessionManager.OpenAsync"/>)
    /// runs only the steps that are not completed, including failed, skipped and cancelled ones (with a fresh retry budget)
    /// and a step that was running when its process died (it runs again from the start). Each attempt runs under
    /// <see cref="PlanningOptions.StepTimeout"/>; a failed or timed-out attempt is retried up to <see cref="PlanningOptions.MaxStepRetries"/>
    /// times; the dependents of a step that still fails are skipped, and <see cref="PlanningOptions.ContinueOnError"/> decides
    /// whether independent steps still start. A completed plan returns at once.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The plan needs approval (call <see cref="ApproveAsync"/>), was rejected, is being written, or is already executing on this object.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the plan is stored as cancelled and can be resumed.</exception>
    public async Task<PlanResult> ExecuteAsync(PlanExecutionOptions? options = null, IProgress<PlanProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        long started = _manager.TimeProvider.GetTimestamp();
        if (options?.DryRun == true)
        {
            return DryRun(progress, started);
        }

        EnsureExecutable(Plan);
        if (Interlocked.Exchange(ref _executing, 1) != 0)
        {
            throw new InvalidOperationException($"Plan '{Plan.Id}' is already executing on this object; await that ExecuteAsync call.");
        }

        try
        {
            EnsureExecutable(Plan);
            if (Plan.Status == PlanStatus.Completed)
            {
                return new PlanResult { Plan = Plan, Duration = _manager.TimeProvider.GetElapsedTime(started) };
            }

            cancellationToken.ThrowIfCancellationRequested();
            return await RunAsync(progress, started, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _executing, 0);
        }
    }

    private void EnsureExecutable(Plan plan)
    {
        if (plan.Status == PlanStatus.Planning)
        {
            throw new InvalidOperationException($"Plan '{plan.Id}' is still being written; wait for it before executing.");
        }

        if (_manager.Options.RequireApproval && plan.ApprovedAt is null && plan.Status != PlanStatus.Completed)
        {
            throw plan.RejectionReason is not null
                ? new InvalidOperationException($"Plan '{plan.Id}' was rejected; revise it (ReviseAsync) or approve it (ApproveAsync) before calling ExecuteAsync.")
                : new InvalidOperationException($"Plan '{plan.Id}' is not approved; call ApproveAsync before ExecuteAsync (or set PlanningOptions.RequireApproval = false).");
        }

        if (plan.RejectionReason is not null)
        {
            throw new InvalidOperationException($"Plan '{plan.Id}' was rejected; revise it (ReviseAsync) or approve it (ApproveAsync) before calling ExecuteAsync.");
        }
    }

    private PlanResult DryRun(IProgress<PlanProgress>? progress, long started)
    {
        var plan = Plan;
        var waves = Waves(plan);
        var order = new List<string>();
        int completed = plan.Steps.Count(s => s.IsCompleted);
        foreach (var wave in waves)
        {
            foreach (var id in wave)
            {
                order.Add(id);
                progress?.Report(new PlanProgress
                {
                    Kind = PlanProgressKind.StepPlanned,
                    PlanId = plan.Id,
                    PlanStatus = plan.Status,
                    Step = plan.GetStep(id),
                    CompletedSteps = completed,
                    TotalSteps = plan.Steps.Count,
                    Timestamp = Now,
                });
            }
        }

        PlanningLog.PlanDryRun(_manager.Logger, plan.Id, order.Count, waves.Count);
        return new PlanResult { Plan = plan, IsDryRun = true, ExecutedStepIds = order, Schedule = waves, Duration = _manager.TimeProvider.GetElapsedTime(started) };
    }

    /// <summary>Groups the unfinished steps into waves: each wave's dependencies are completed or in earlier waves.</summary>
    internal static List<IReadOnlyList<string>> Waves(Plan plan)
    {
        var done = new HashSet<string>(plan.Steps.Where(s => s.IsCompleted).Select(s => s.Id), StringComparer.Ordinal);
        var left = plan.Steps.Where(s => !s.IsCompleted).ToList();
        var waves = new List<IReadOnlyList<string>>();
        while (left.Count > 0)
        {
            var wave = left.Where(s => s.Dependencies.All(done.Contains)).Select(s => s.Id).ToList();
            if (wave.Count == 0)
            {
                break; // unreachable for a validated plan (no cycles, known dependencies)
            }

            waves.Add(wave);
            done.UnionWith(wave);
            left.RemoveAll(s => done.Contains(s.Id));
        }

        return waves;
    }

    /// <summary>
    /// The scheduler: one loop decides, persists and launches; executors run concurrently and only report outcomes back.
    /// </summary>
    /// <remarks>
    /// Group commit: every outcome the loop finds (outputs, failures, retries, skips) and every start it decides on next is
    /// persisted as one append, before any executor it launches runs and before any dependent starts. An outcome is recorded
    /// as soon as the loop sees it; it never waits for a batch to fill. So a completed step's output and end are durable
    /// before the decision that depends on them, exactly as with one append per event, at a fraction of the appends.
    /// </remarks>
    private async Task<PlanResult> RunAsync(IProgress<PlanProgress>? progress, long started, CancellationToken cancellationToken)
    {
        var options = _manager.Options;
        using var activity = SessionsTelemetry.ActivitySource.StartActivity("execute_plan", ActivityKind.Internal);
        activity?.SetTag(PlanTags.PlanId, Plan.Id);
        activity?.SetTag(PlanTags.SessionId, Session.Id);

        var plan = Plan;
        activity?.SetTag(PlanTags.StepCount, plan.Steps.Count);
        PlanningLog.ExecutionStarted(_manager.Logger, plan.Id, plan.Steps.Count(s => !s.IsCompleted), plan.Steps.Count);

        // The graph of what is left: a step is ready when every dependency is completed.
        var waiting = new Dictionary<string, int>(StringComparer.Ordinal);
        var dependents = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var ready = new Queue<string>();
        var completedIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in plan.Steps)
        {
            if (step.IsCompleted)
            {
                completedIds.Add(step.Id);
            }
        }

        foreach (var step in plan.Steps)
        {
            if (step.IsCompleted)
            {
                continue;
            }

            int open = 0;
            foreach (var dep in step.Dependencies)
            {
                if (!completedIds.Contains(dep))
                {
                    open++;
                    (dependents.TryGetValue(dep, out var list) ? list : dependents[dep] = []).Add(step.Id);
                }
            }

            waiting[step.Id] = open;
            if (open == 0)
            {
                ready.Enqueue(step.Id);
            }
        }

        var batch = new PlanEventBatch();
        batch.Add(PlanEvents.ExecutionStarted, new PlanStateEvent { At = Now }, PlanProgressKind.PlanStatusChanged);
        using var runCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new List<(string Id, int Attempt, Task<StepOutcome> Task)>();
        var launch = new List<(string Id, int Attempt)>();
        var executed = new List<string>();
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        bool anyFailed = false;
        Exception? fatal = null;
        try
        {
            while (true)
            {
                // Decide what starts now; the starts join the outcomes already in the batch.
                while (running.Count + launch.Count < options.MaxParallelSteps && (!anyFailed || options.ContinueOnError) && !runCts.IsCancellationRequested && ready.TryDequeue(out var next))
                {
                    executed.Add(next);
                    batch.Add(PlanEvents.StepStarted, new PlanStateEvent { At = Now, StepId = next, Attempt = 1 }, PlanProgressKind.StepStarted);
                    launch.Add((next, 1));
                }

                if (launch.Count == 0 && running.Count == 0)
                {
                    break; // the last outcomes are persisted with the end of the execution, below
                }

                // One append for everything decided since the last one; only then do the started steps run.
                await CommitAsync(batch, progress, CancellationToken.None).ConfigureAwait(false);
                foreach (var (id, attempt) in launch)
                {
                    running.Add((id, attempt, RunAttemptAsync(StepContext(id, attempt), runCts.Token)));
                }

                launch.Clear();
                if (!AnyCompleted(running))
                {
                    await WhenAny(running).ConfigureAwait(false);
                }

                // Take every outcome there is now (not only the first): they are all recorded in the next append.
                for (int i = 0; i < running.Count;)
                {
                    var (id, attempt, task) = running[i];
                    if (!task.IsCompleted)
                    {
                        i++;
                        continue;
                    }

                    running.RemoveAt(i);
                    var outcome = await task.ConfigureAwait(false);
                    switch (outcome.Status)
                    {
                        case PlanStepStatus.Completed:
                            batch.Add(PlanEvents.StepCompleted, new PlanStateEvent { At = Now, StepId = id, Output = outcome.Output }, PlanProgressKind.StepFinished);
                            completedIds.Add(id);
                            foreach (var dependent in dependents.GetValueOrDefault(id) ?? [])
                            {
                                if (--waiting[dependent] == 0)
                                {
                                    ready.Enqueue(dependent);
                                }
                            }

                            break;
                        case PlanStepStatus.Cancelled:
                            batch.Add(PlanEvents.StepCancelled, new PlanStateEvent { At = Now, StepId = id, Reason = "The execution was cancelled." }, PlanProgressKind.StepFinished);
                            break;
                        default:
                            bool timedOut = outcome.Status == PlanStepStatus.TimedOut;
                            if (timedOut)
                            {
                                PlanningLog.StepTimedOut(_manager.Logger, plan.Id, id, attempt, options.StepTimeout.TotalMilliseconds);
                            }
                            else
                            {
                                PlanningLog.StepFailed(_manager.Logger, plan.Id, id, attempt, outcome.Error!);
                            }

                            bool last = attempt > options.MaxStepRetries;
                            batch.Add(
                                PlanEvents.StepFailed,
                                new PlanStateEvent { At = Now, StepId = id, Attempt = attempt, Error = outcome.Error, TimedOut = timedOut, Final = last },
                                last ? PlanProgressKind.StepFinished : PlanProgressKind.StepRetrying);
                            if (last)
                            {
                                anyFailed = true;
                                SkipDependents(id, outcome.Status, dependents, skipped, batch);
                            }
                            else if (runCts.IsCancellationRequested)
                            {
                                batch.Add(PlanEvents.StepCancelled, new PlanStateEvent { At = Now, StepId = id, Reason = "The execution was cancelled." }, PlanProgressKind.StepFinished);
                            }
                            else
                            {
                                // A retry keeps its slot: it starts in the same append that records the failure.
                                batch.Add(PlanEvents.StepStarted, new PlanStateEvent { At = Now, StepId = id, Attempt = attempt + 1 }, PlanProgressKind.StepStarted);
                                launch.Add((id, attempt + 1));
                            }

                            break;
                    }
                }
            }
        }
        catch (Exception ex)
        {
            // Storage failed while recording: stop every running step, wait for them, then surface the error.
            fatal = ex;
            await runCts.CancelAsync().ConfigureAwait(false);
            foreach (var (_, _, task) in running)
            {
                await task.ConfigureAwait(false); // never throws: outcomes are values
            }
        }

        if (fatal is not null)
        {
            activity?.SetStatus(ActivityStatusCode.Error, fatal.Message);
            activity?.SetTag(PlanTags.ErrorType, fatal.GetType().FullName);
            throw fatal;
        }

        // The last outcomes are still in the batch: count completions from the scheduler's own set.
        var final = completedIds.Count == plan.Steps.Count ? PlanStatus.Completed
            : cancellationToken.IsCancellationRequested ? PlanStatus.Cancelled
            : PlanStatus.Failed;
        batch.Add(PlanEvents.ExecutionEnded, new PlanStateEvent { At = Now, Status = final }, PlanProgressKind.PlanStatusChanged);
        await CommitAsync(batch, progress, CancellationToken.None).ConfigureAwait(false);
        plan = Plan;
        activity?.SetTag(PlanTags.Status, final.ToString());
        if (final != PlanStatus.Completed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, final.ToString());
        }

        var duration = _manager.TimeProvider.GetElapsedTime(started);
        PlanningLog.ExecutionEnded(_manager.Logger, plan.Id, final, _folder.CompletedCount, plan.Steps.Count, duration.TotalMilliseconds);
        if (final == PlanStatus.Cancelled)
        {
            throw new OperationCanceledException($"The execution of plan '{plan.Id}' was cancelled; completed steps are kept and ExecuteAsync resumes the rest.", cancellationToken);
        }

        return new PlanResult { Plan = plan, ExecutedStepIds = executed, Duration = duration };
    }

    private static bool AnyCompleted(List<(string Id, int Attempt, Task<StepOutcome> Task)> running)
    {
        foreach (var run in running)
        {
            if (run.Task.IsCompleted)
            {
                return true;
            }
        }

        return false;
    }

    private static Task<Task> WhenAny(List<(string Id, int Attempt, Task<StepOutcome> Task)> running)
    {
        var tasks = new Task[running.Count];
        for (int i = 0; i < tasks.Length; i++)
        {
            tasks[i] = running[i].Task;
        }

        return Task.WhenAny(tasks);
    }

    /// <summary>Adds a skip event for every step downstream of a step that finally failed (or was skipped), breadth first.</summary>
    private void SkipDependents(string failedId, PlanStepStatus failedStatus, Dictionary<string, List<string>> dependents, HashSet<string> skipped, PlanEventBatch batch)
    {
        var queue = new Queue<(string Id, string Because, PlanStepStatus BecauseStatus)>();
        foreach (var d in dependents.GetValueOrDefault(failedId) ?? [])
        {
            queue.Enqueue((d, failedId, failedStatus));
        }

        while (queue.TryDequeue(out var item))
        {
            // A dependent of an unfinished step can be neither completed nor running; the check guards against a bad log.
            if (!skipped.Add(item.Id) || _folder.GetStep(item.Id).Status is PlanStepStatus.Completed or PlanStepStatus.Running)
            {
                continue;
            }

            string what = item.BecauseStatus switch
            {
                PlanStepStatus.Skipped => "was skipped",
                PlanStepStatus.TimedOut => "timed out",
                _ => "failed",
            };
            batch.Add(PlanEvents.StepSkipped, new PlanStateEvent { At = Now, StepId = item.Id, Reason = $"Dependency '{item.Because}' {what}." }, PlanProgressKind.StepFinished);
            foreach (var d in dependents.GetValueOrDefault(item.Id) ?? [])
            {
                queue.Enqueue((d, item.Id, PlanStepStatus.Skipped));
            }
        }
    }

    /// <summary>What an executor gets for a step whose start is persisted: the plan now, the step and its dependencies' outputs.</summary>
    private PlanStepContext StepContext(string stepId, int attempt)
    {
        var step = _folder.GetStep(stepId);
        var outputs = new Dictionary<string, string>(step.Dependencies.Count, StringComparer.Ordinal);
        foreach (var dep in step.Dependencies)
        {
            outputs[dep] = _folder.GetStep(dep).Output ?? string.Empty;
        }

        return new PlanStepContext(Plan, step, outputs, Session, attempt);
    }

    /// <summary>Runs one attempt of a step under its timeout; never throws: the outcome (output, failure, timeout, cancellation) is a value.</summary>
    private async Task<StepOutcome> RunAttemptAsync(PlanStepContext context, CancellationToken runToken)
    {
        var options = _manager.Options;
        using var activity = SessionsTelemetry.ActivitySource.StartActivity("execute_plan_step", ActivityKind.Internal);
        activity?.SetTag(PlanTags.PlanId, context.Plan.Id);
        activity?.SetTag(PlanTags.StepId, context.Step.Id);
        activity?.SetTag(PlanTags.Attempt, context.Attempt);
        using var timeoutCts = options.StepTimeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(options.StepTimeout, _manager.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(runToken, timeoutCts.Token);
        Task<string>? task = null;
        StepOutcome outcome;
        try
        {
            task = _manager.Executor.ExecuteAsync(context, linked.Token);

            // WaitAsync: an executor that ignores its token is abandoned at the timeout all the same.
            string output = await task.WaitAsync(linked.Token).ConfigureAwait(false) ?? string.Empty;
            outcome = new StepOutcome(PlanStepStatus.Completed, output, null);
        }
        catch (Exception) when (runToken.IsCancellationRequested)
        {
            Observe(task);
            outcome = new StepOutcome(PlanStepStatus.Cancelled, null, "The execution was cancelled.");
        }
        catch (Exception) when (timeoutCts.IsCancellationRequested)
        {
            Observe(task);
            outcome = new StepOutcome(PlanStepStatus.TimedOut, null, string.Create(CultureInfo.InvariantCulture, $"Timed out after {options.StepTimeout.TotalSeconds:0.###} s (attempt {context.Attempt})."));
            activity?.SetTag(PlanTags.ErrorType, "timeout");
        }
        catch (Exception ex)
        {
            outcome = new StepOutcome(PlanStepStatus.Failed, null, $"{ex.GetType().Name}: {ex.Message}");
            activity?.SetTag(PlanTags.ErrorType, ex.GetType().FullName);
        }

        activity?.SetTag(PlanTags.Status, outcome.Status.ToString());
        if (outcome.Status != PlanStepStatus.Completed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, outcome.Error);
        }

        return outcome;
    }

    /// <summary>The outcome of one attempt of a step.</summary>
    private readonly record struct StepOutcome(PlanStepStatus Status, string? Output, string? Error);

    private static void Observe(Task? task) =>
        task?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>The span tag names of plan spans.</summary>
    private static class PlanTags
    {
        public const string PlanId = "sessions.plan.id";
        public const string SessionId = "sessions.session.id";
        public const string StepCount = "sessions.plan.steps";
        public const string StepId = "sessions.plan.step.id";
        public const string Attempt = "sessions.plan.step.attempt";
        public const string Status = "sessions.plan.status";
        public const string ErrorType = "error.type";
    }
}
