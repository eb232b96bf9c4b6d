namespace Sessions.Sdk.TestHost;

/// <summary>A command the child test host runs for crash and multi-process tests of one store.</summary>
/// <remarks>Acknowledge each durable step by writing a line to standard output and flushing it, so the parent knows what returned before a kill.</remarks>
internal interface ITestHostCommand
{
    /// <summary>Gets the command name, the first command-line argument.</summary>
    string Name { get; }

    /// <summary>Runs the command with the remaining arguments; returns the exit code.</summary>
    Task<int> RunAsync(string[] args);
}
