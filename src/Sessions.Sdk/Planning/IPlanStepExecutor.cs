namespace Sessions.Sdk;

/// <summary>Runs one step of a plan; register your own in DI to replace the default, which runs the step as a chat turn of the plan's session.</summary>
/// <remarks>
/// Called concurrently for independent steps (up to <see cref="PlanningOptions.MaxParallelSteps"/>). The token is cancelled
/// when the step exceeds <see cref="PlanningOptions.StepTimeout"/> or the caller cancels; an executor that ignores it is
/// abandoned at the timeout all the same. A step that was running when its process died is run again on resume, so an
/// executor with side effects should make them idempotent. The executor is called on the scheduler's thread: return a
/// <see cref="Task"/> promptly and move blocking or CPU-bound work off it (<see cref="Task.Run(Func{Task})"/>).
/// </remarks>
public interface IPlanStepExecutor
{
    /// <summary>Runs a step and returns its output.</summary>
    /// <param name="context">The plan, the step, the outputs of its dependencies and the session.</param>
    /// <param name="cancellationToken">Cancelled on timeout or when the caller cancels.</param>
    /// <returns>The step's output, stored with the step.</returns>
    Task<string> ExecuteAsync(PlanStepContext context, CancellationToken cancellationToken);
}
