namespace Sessions.Sdk.Benchmarks;

/// <summary>A measurement that runs inside a fresh child process and prints its figures.</summary>
internal interface IChildMeasurement
{
    /// <summary>Gets the measurement name used on the child command line.</summary>
    string Name { get; }

    /// <summary>Runs the measurement and returns named figures (milliseconds, bytes, counts).</summary>
    Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args);
}
