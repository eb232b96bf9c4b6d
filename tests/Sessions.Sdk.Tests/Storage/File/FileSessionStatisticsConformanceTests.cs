using Microsoft.Extensions.Logging.Abstractions;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Runs the statistics conformance suite against the file store (statistics from its listing catalog).</summary>
[TestFixture]
public sealed class FileSessionStatisticsConformanceTests : SessionStatisticsConformanceTests
{
    private readonly List<string> _directories = [];

    [OneTimeTearDown]
    public void DeleteDirectories()
    {
        foreach (var directory in _directories)
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    protected override ValueTask<ISessionStorage> CreateStorageAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sessions-file-stats-" + Guid.NewGuid().ToString("N"));
        _directories.Add(directory);
        return ValueTask.FromResult<ISessionStorage>(new FileSessionStorage(new FileStorageOptions { Directory = directory }, TimeProvider.System, NullLogger.Instance));
    }
}
