namespace Sessions.Sdk;

/// <summary>Configures plan sessions: plan size, approval, step timeout, parallelism, retries and error handling.</summary>
/// <remarks>Validated when <see cref="IPlanSessionManager"/> is first resolved and at host start; a bad value names the option.</remarks>
public sealed class PlanningOptions
{
    /// <summary>Gets or sets the most steps a plan may have (model-written or explicit).</summary>
    /// <value>The default value is 10. Between 1 and 1,000.</value>
    public int MaxSteps { get; set; } = 10;

    /// <summary>Gets or sets a value indicating whether a plan must be approved before it executes.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RequireApproval { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether a plan executes right after approval (or after creation when no approval is required).</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AutoExecute { get; set; }

    /// <summary>Gets or sets how long one attempt of a step may run before its token is cancelled and it is marked timed out.</summary>
    /// <value>The default value is 5 minutes; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</value>
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets how many independent steps may run at once.</summary>
    /// <value>The default value is 4. Between 1 and 256.</value>
    public int MaxParallelSteps { get; set; } = 4;

    /// <summary>Gets or sets how many times a failed or timed-out step is tried again before it is marked failed.</summary>
    /// <value>The default value is 2. Between 0 and 100.</value>
    public int MaxStepRetries { get; set; } = 2;

    /// <summary>Gets or sets a value indicating whether steps independent of a failed step still run.</summary>
    /// <value>The default value is <see langword="false"/>: after a failure no new step starts (running ones finish).</value>
    /// <remarks>Either way the dependents of a failed step are skipped and the plan ends failed.</remarks>
    public bool ContinueOnError { get; set; }

    /// <summary>Gets or sets a value indicating whether the model is asked for the plan with a JSON-schema response format.</summary>
    /// <value>The default value is <see langword="true"/>. The schema is also written into the instructions, for providers that ignore response formats.</value>
    public bool UseJsonSchemaResponseFormat { get; set; } = true;

    /// <summary>Gets or sets the system prompt of new plan sessions; <see langword="null"/> for the built-in planner prompt.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? SystemPrompt { get; set; }
}
