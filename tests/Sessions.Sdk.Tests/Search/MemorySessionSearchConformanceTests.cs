using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Runs the search conformance suite on the memory store (which delegates to <see cref="ScanningSessionSearch"/>).</summary>
[TestFixture]
public sealed class MemorySessionSearchConformanceTests : SessionSearchConformanceTests
{
    protected override ValueTask<ISessionStorage> CreateStorageAsync() =>
        ValueTask.FromResult<ISessionStorage>(new MemorySessionStorage());
}
