namespace Sessions.Sdk;

/// <summary>Creates and opens plan sessions: durable plans with dependent steps, approval and resumable execution.</summary>
/// <remarks>Registered as a thread-safe singleton by <c>AddPlanning()</c>. A plan lives in an ordinary session of kind <c>plan</c> (listed, searched, exported and branched like any other).</remarks>
public interface IPlanSessionManager
{
    /// <summary>Creates a plan session and has the model write the plan for a goal.</summary>
    /// <param name="goal">What the plan should achieve, such as <c>Build a REST API with authentication</c>.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The plan session, awaiting approval (or approved, or executed with <see cref="PlanningOptions.AutoExecute"/>).</returns>
    /// <remarks>
    /// The model is asked for JSON matching <see cref="Plan.JsonSchema"/>; an invalid reply is sent back once with the exact
    /// errors. When that fails too, the session is deleted (nothing is stored) and <see cref="PlanValidationException"/> is thrown.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="goal"/> is null, empty or white space.</exception>
    /// <exception cref="PlanValidationException">The model's reply was invalid twice; the exception quotes the errors.</exception>
    Task<PlanSession> CreateAsync(string goal, CancellationToken cancellationToken = default);

    /// <summary>Creates a plan session with the given steps; the model is not called.</summary>
    /// <param name="goal">What the plan should achieve.</param>
    /// <param name="steps">The steps (id, title, description, dependencies), validated before anything is stored.</param>
    /// <param name="title">The plan's title; <see langword="null"/> to use the goal.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The plan session, awaiting approval (or approved, or executed with <see cref="PlanningOptions.AutoExecute"/>).</returns>
    /// <exception cref="ArgumentException"><paramref name="goal"/> is empty, or a step is invalid: the message names it (missing id or title, repeated id, unknown or cyclic dependency, too many steps).</exception>
    Task<PlanSession> CreateAsync(string goal, IEnumerable<PlanStep> steps, string? title = null, CancellationToken cancellationToken = default);

    /// <summary>Opens an existing plan session by its session id, folding its stored state events into the plan.</summary>
    /// <param name="planId">The plan's id (its session's id).</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The plan session as it was last stored; <see cref="PlanSession.ExecuteAsync"/> resumes it.</returns>
    /// <exception cref="ArgumentException"><paramref name="planId"/> is not a valid session id, or names a session that is not of kind <c>plan</c>.</exception>
    /// <exception cref="SessionNotFoundException">No session has that id.</exception>
    /// <exception cref="SessionFormatException">The session holds no plan, or its plan state cannot be read.</exception>
    Task<PlanSession> OpenAsync(string planId, CancellationToken cancellationToken = default);
}
