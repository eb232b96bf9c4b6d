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

    private async Task<PlanResult> RunAsync(IProgress<PlanProgress>? progress, long started, CancellationToken cancellationToken)
    {
        var options = _manager.Options;
        using var activity = SessionsTelemetry.ActivitySource.StartActivity("execute_plan", ActivityKind.Internal);
        activity?.SetTag(PlanTags.PlanId, Plan.Id);
        activity?.SetTag(PlanTags.SessionId, Session.Id);

        Report(progress, await RecordAsync(PlanEvents.ExecutionStarted, new PlanStateEvent { At = Now }, PlanProgressKind.PlanStatusChanged, CancellationToken.None).ConfigureAwait(false));
        var plan = Plan;
        activity?.SetTag(PlanTags.StepCount, plan.Steps.Count);
        PlanningLog.ExecutionStarted(_manager.Logger, plan.Id, plan.Steps.Count(s => !s.IsCompleted), plan.Steps.Count);

        // The graph of what is left: a step is ready when every dependency is completed.
        var waiting = new Dictionary<string, int>(StringComparer.Ordinal);
        var dependents = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var ready = new Queue<string>();
        foreach (var step in plan.Steps)
        {
            if (step.IsCompleted)
            {
                continue;
            }

            int open = 0;
            foreach (var dep in step.Dependencies)
            {
                if (!plan.GetStep(dep).IsCompleted)
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

        using var runCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new Dictionary<Task<PlanStepStatus>, string>();
        var executed = new List<string>();
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        bool anyFailed = false;
        Exception? fatal = null;
        try
        {
            while (true)
            {
                while (running.Count < options.MaxParallelSteps && (!anyFailed || options.ContinueOnError) && !runCts.IsCancellationRequested && ready.TryDequeue(out var next))
                {
                    executed.Add(next);
                    running.Add(RunStepAsync(next, progress, runCts.Token), next);
                }

                if (running.Count == 0)
                {
                    break;
                }

                var finished = await Task.WhenAny(running.Keys).ConfigureAwait(false);
                string id = running[finished];
                running.Remove(finished);
                var status = await finished.ConfigureAwait(false);
                if (status == PlanStepStatus.Completed)
                {
                    foreach (var dependent in dependents.GetValueOrDefault(id) ?? [])
                    {
                        if (--waiting[dependent] == 0)
                        {
                            ready.Enqueue(dependent);
                        }
                    }
                }
                else if (status is PlanStepStatus.Failed or PlanStepStatus.TimedOut)
                {
                    anyFailed = true;
                    await SkipDependentsAsync(id, dependents, skipped, progress).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex)
        {
            // Storage failed while recording: stop every running step, wait for them, then surface the error.
            fatal = ex;
            await runCts.CancelAsync().ConfigureAwait(false);
            foreach (var task in running.Keys)
            {
                try
                {
                    await task.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The first failure is the one reported.
                }
            }
        }

        if (fatal is not null)
        {
            activity?.SetStatus(ActivityStatusCode.Error, fatal.Message);
            activity?.SetTag(PlanTags.ErrorType, fatal.GetType().FullName);
            throw fatal;
        }

        plan = Plan;
        var final = plan.Steps.All(s => s.IsCompleted) ? PlanStatus.Completed
            : cancellationToken.IsCancellationRequested ? PlanStatus.Cancelled
            : PlanStatus.Failed;
        Report(progress, await RecordAsync(PlanEvents.ExecutionEnded, new PlanStateEvent { At = Now, Status = final }, PlanProgressKind.PlanStatusChanged, CancellationToken.None).ConfigureAwait(false));
        plan = Plan;
        activity?.SetTag(PlanTags.Status, final.ToString());
        if (final != PlanStatus.Completed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, final.ToString());
        }

        var duration = _manager.TimeProvider.GetElapsedTime(started);
        PlanningLog.ExecutionEnded(_manager.Logger, plan.Id, final, plan.Steps.Count(s => s.IsCompleted), plan.Steps.Count, duration.TotalMilliseconds);
        if (final == PlanStatus.Cancelled)
        {
            throw new OperationCanceledException($"The execution of plan '{plan.Id}' was cancelled; completed steps are kept and ExecuteAsync resumes the rest.", cancellationToken);
        }

        return new PlanResult { Plan = plan, ExecutedStepIds = executed, Duration = duration };
    }

    private async Task SkipDependentsAsync(string failedId, Dictionary<string, List<string>> dependents, HashSet<string> skipped, IProgress<PlanProgress>? progress)
    {
        var queue = new Queue<(string Id, string Because)>();
        foreach (var d in dependents.GetValueOrDefault(failedId) ?? [])
        {
            queue.Enqueue((d, failedId));
        }

        while (queue.TryDequeue(out var item))
        {
            if (!skipped.Add(item.Id) || Plan.GetStep(item.Id).Status is PlanStepStatus.Completed or PlanStepStatus.Running)
            {
                continue;
            }

            var because = Plan.GetStep(item.Because);
            string text = $"Dependency '{because.Id}' {(because.Status == PlanStepStatus.Skipped ? "was skipped" : because.Status == PlanStepStatus.TimedOut ? "timed out" : "failed")}.";
            Report(progress, await RecordAsync(PlanEvents.StepSkipped, new PlanStateEvent { At = Now, StepId = item.Id, Reason = text }, PlanProgressKind.StepFinished, CancellationToken.None).ConfigureAwait(false));
            foreach (var d in dependents.GetValueOrDefault(item.Id) ?? [])
            {
                queue.Enqueue((d, item.Id));
            }
        }
    }

    /// <summary>Runs one step with its retries; never throws for the step's own failure, only when recording fails.</summary>
    private async Task<PlanStepStatus> RunStepAsync(string stepId, IProgress<PlanProgress>? progress, CancellationToken runToken)
    {
        var options = _manager.Options;
        for (int attempt = 1; ; attempt++)
        {
            Report(progress, await RecordAsync(PlanEvents.StepStarted, new PlanStateEvent { At = Now, StepId = stepId, Attempt = attempt }, PlanProgressKind.StepStarted, CancellationToken.None).ConfigureAwait(false));
            var plan = Plan;
            var step = plan.GetStep(stepId);
            var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var dep in step.Dependencies)
            {
                outputs[dep] = plan.GetStep(dep).Output ?? string.Empty;
            }

            var context = new PlanStepContext(plan, step, outputs, Session, attempt);
            using var activity = SessionsTelemetry.ActivitySource.StartActivity("execute_plan_step", ActivityKind.Internal);
            activity?.SetTag(PlanTags.PlanId, plan.Id);
            activity?.SetTag(PlanTags.StepId, stepId);
            activity?.SetTag(PlanTags.Attempt, attempt);

            using var timeoutCts = options.StepTimeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(options.StepTimeout, _manager.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(runToken, timeoutCts.Token);
            string? output = null;
            string? error = null;
            bool timedOut = false;
            Task<string>? task = null;
            try
            {
                task = _manager.Executor.ExecuteAsync(context, linked.Token);

                // WaitAsync: an executor that ignores its token is abandoned at the timeout all the same.
                output = await task.WaitAsync(linked.Token).ConfigureAwait(false) ?? string.Empty;
            }
            catch (Exception) when (runToken.IsCancellationRequested)
            {
                Observe(task);
                activity?.SetTag(PlanTags.Status, nameof(PlanStepStatus.Cancelled));
                activity?.SetStatus(ActivityStatusCode.Error, "cancelled");
                Report(progress, await RecordAsync(PlanEvents.StepCancelled, new PlanStateEvent { At = Now, StepId = stepId, Reason = "The execution was cancelled." }, PlanProgressKind.StepFinished, CancellationToken.None).ConfigureAwait(false));
                return PlanStepStatus.Cancelled;
            }
            catch (Exception) when (timeoutCts.IsCancellationRequested)
            {
                Observe(task);
                timedOut = true;
                error = string.Create(CultureInfo.InvariantCulture, $"Timed out after {options.StepTimeout.TotalSeconds:0.###} s (attempt {attempt}).");
            }
            catch (Exception ex)
            {
                error = $"{ex.GetType().Name}: {ex.Message}";
                activity?.SetTag(PlanTags.ErrorType, ex.GetType().FullName);
            }

            if (error is null)
            {
                activity?.SetTag(PlanTags.Status, nameof(PlanStepStatus.Completed));
                Report(progress, await RecordAsync(PlanEvents.StepCompleted, new PlanStateEvent { At = Now, StepId = stepId, Output = output }, PlanProgressKind.StepFinished, CancellationToken.None).ConfigureAwait(false));
                return PlanStepStatus.Completed;
            }

            bool final = attempt > options.MaxStepRetries;
            var status = timedOut ? PlanStepStatus.TimedOut : PlanStepStatus.Failed;
            activity?.SetTag(PlanTags.Status, status.ToString());
            activity?.SetStatus(ActivityStatusCode.Error, error);
            if (timedOut)
            {
                activity?.SetTag(PlanTags.ErrorType, "timeout");
                PlanningLog.StepTimedOut(_manager.Logger, plan.Id, stepId, attempt, options.StepTimeout.TotalMilliseconds);
            }
            else
            {
                PlanningLog.StepFailed(_manager.Logger, plan.Id, stepId, attempt, error);
            }

            Report(progress, await RecordAsync(
                PlanEvents.StepFailed,
                new PlanStateEvent { At = Now, StepId = stepId, Attempt = attempt, Error = error, TimedOut = timedOut, Final = final },
                final ? PlanProgressKind.StepFinished : PlanProgressKind.StepRetrying,
                CancellationToken.None).ConfigureAwait(false));
            if (final)
            {
                return status;
            }
        }
    }

    private static void Report(IProgress<PlanProgress>? progress, PlanProgress value) => progress?.Report(value);

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
