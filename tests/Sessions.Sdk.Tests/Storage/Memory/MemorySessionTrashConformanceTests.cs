using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

[TestFixture]
public sealed class MemorySessionTrashConformanceTests : SessionTrashConformanceTests
{
    protected override ValueTask<ISessionStorage> CreateStorageAsync() =>
        ValueTask.FromResult<ISessionStorage>(new MemorySessionStorage());

    protected override ValueTask<ISessionStorage?> CreateStorageAsync(TimeProvider timeProvider) =>
        ValueTask.FromResult<ISessionStorage?>(new MemorySessionStorage(timeProvider));
}
