namespace Sessions.Sdk;

/// <summary>Gives an <see cref="IPlanStepExecutor"/> what it needs to run one step.</summary>
public sealed class PlanStepContext
{
    internal PlanStepContext(Plan plan, PlanStep step, IReadOnlyDictionary<string, string> dependencyOutputs, Session session, int attempt)
    {
        Plan = plan;
        Step = step;
        DependencyOutputs = dependencyOutputs;
        Session = session;
        Attempt = attempt;
    }

    /// <summary>Gets the plan as it stood when the step started.</summary>
    public Plan Plan { get; }

    /// <summary>Gets the step to run.</summary>
    public PlanStep Step { get; }

    /// <summary>Gets the outputs of the step's dependencies, by step id.</summary>
    public IReadOnlyDictionary<string, string> DependencyOutputs { get; }

    /// <summary>Gets the plan's session (kind <c>plan</c>), for executors that talk to its model or store messages in it.</summary>
    public Session Session { get; }

    /// <summary>Gets the attempt number, starting at 1 for the step's first attempt in this execution.</summary>
    public int Attempt { get; }
}
