using Microsoft.Extensions.Logging.Abstractions;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

[TestFixture]
public sealed class FileSessionStorageConformanceTests : SessionStorageConformanceTests
{
    private readonly List<string> _directories = [];

    protected override ValueTask<ISessionStorage> CreateStorageAsync() =>
        ValueTask.FromResult<ISessionStorage>(Create(TimeProvider.System));

    protected override ValueTask<ISessionStorage?> CreateStorageAsync(TimeProvider timeProvider) =>
        ValueTask.FromResult<ISessionStorage?>(Create(timeProvider));

    [OneTimeTearDown]
    public void DeleteDirectories()
    {
        foreach (var directory in _directories)
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    private FileSessionStorage Create(TimeProvider timeProvider)
    {
        var directory = Path.Combine(Path.GetTempPath(), "sessions-file-conf-" + Guid.NewGuid().ToString("N"));
        lock (_directories) _directories.Add(directory);
        return new FileSessionStorage(new FileStorageOptions { Directory = directory }, timeProvider, NullLogger.Instance);
    }
}
