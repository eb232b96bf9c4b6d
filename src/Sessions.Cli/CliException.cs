namespace Sessions.Cli;

/// <summary>Exit codes of the tool.</summary>
internal static class CliExitCode
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Cancelled = 130;
}

/// <summary>A failure the tool reports as one line (no stack trace), with its exit code.</summary>
internal sealed class CliException : Exception
{
    public CliException(string message, int exitCode = CliExitCode.Failure)
        : base(message) => ExitCode = exitCode;

    public CliException()
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int ExitCode { get; } = CliExitCode.Failure;
}
