namespace Sessions.Sdk;

/// <summary>Changes how one execution of a plan runs.</summary>
public sealed class PlanExecutionOptions
{
    /// <summary>Gets or sets a value indicating whether to only report what would run, in which order, without executing or storing anything.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    /// <remarks>A dry run needs no approval: it is the preview a user approves.</remarks>
    public bool DryRun { get; set; }
}
