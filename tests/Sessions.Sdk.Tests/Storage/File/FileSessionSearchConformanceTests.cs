using Microsoft.Extensions.Logging.Abstractions;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

[TestFixture]
public sealed class FileSessionSearchConformanceTests : SessionSearchConformanceTests
{
    private readonly List<string> _directories = [];

    protected override ValueTask<ISessionStorage> CreateStorageAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sessions-file-search-" + Guid.NewGuid().ToString("N"));
        lock (_directories) _directories.Add(directory);
        return ValueTask.FromResult<ISessionStorage>(new FileSessionStorage(new FileStorageOptions { Directory = directory }, TimeProvider.System, NullLogger.Instance));
    }

    [OneTimeTearDown]
    public void DeleteDirectories()
    {
        foreach (var directory in _directories)
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }
}
