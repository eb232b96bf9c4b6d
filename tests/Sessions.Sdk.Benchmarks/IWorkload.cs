namespace Sessions.Sdk.Benchmarks;

/// <summary>One PERFORMANCE.md workload. Each repetition of a measurement runs in a fresh child process.</summary>
internal interface IWorkload
{
    /// <summary>Gets the workload id, such as W1; selected on the command line.</summary>
    string Id { get; }

    /// <summary>Runs the workload in the parent process: prepares fixtures, measures through <see cref="Harness"/>, and adds rows.</summary>
    Task RunAsync(Harness harness, CancellationToken cancellationToken);
}
