using Microsoft.Extensions.Logging.Abstractions;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

[TestFixture]
public sealed class FileSessionTrashConformanceTests : SessionTrashConformanceTests
{
    private readonly List<string> _directories = [];

    protected override ValueTask<ISessionStorage> CreateStorageAsync() =>
        ValueTask.FromResult<ISessionStorage>(Create(NewDirectory(), TimeProvider.System));

    protected override ValueTask<ISessionStorage?> CreateStorageAsync(TimeProvider timeProvider) =>
        ValueTask.FromResult<ISessionStorage?>(Create(NewDirectory(), timeProvider));

    /// <summary>A second instance over the same folder, as another process would open it.</summary>
    protected override ValueTask<ISessionStorage> ReopenStorageAsync(ISessionStorage storage) =>
        ValueTask.FromResult<ISessionStorage>(Create(((FileSessionStorage)storage).Root, TimeProvider.System));

    [OneTimeTearDown]
    public void DeleteDirectories()
    {
        foreach (var directory in _directories)
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    private string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sessions-file-trash-" + Guid.NewGuid().ToString("N"));
        lock (_directories) _directories.Add(directory);
        return directory;
    }

    private static FileSessionStorage Create(string directory, TimeProvider timeProvider) =>
        new(new FileStorageOptions { Directory = directory }, timeProvider, NullLogger.Instance);
}
