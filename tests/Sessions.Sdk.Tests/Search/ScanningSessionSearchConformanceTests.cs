using Moq;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Runs the search conformance suite on <see cref="ScanningSessionSearch"/> over a store that only implements <see cref="ISessionStorage"/>.</summary>
[TestFixture]
public sealed class ScanningSessionSearchConformanceTests : SessionSearchConformanceTests
{
    protected override ValueTask<ISessionStorage> CreateStorageAsync()
    {
        // Hide the memory store's own ISessionSearch so the scan goes through the plain storage contract.
        var inner = new MemorySessionStorage();
        var storage = new Mock<ISessionStorage>(MockBehavior.Loose) { CallBase = false };
        storage.Setup(s => s.CreateAsync(It.IsAny<SessionInfo>(), It.IsAny<IReadOnlyList<SessionMessage>>(), It.IsAny<CancellationToken>()))
            .Returns((SessionInfo s, IReadOnlyList<SessionMessage> m, CancellationToken ct) => inner.CreateAsync(s, m, ct));
        storage.Setup(s => s.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string id, CancellationToken ct) => inner.GetAsync(id, ct));
        storage.Setup(s => s.AppendMessagesAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<SessionMessage>>(), It.IsAny<CancellationToken>()))
            .Returns((string id, IReadOnlyList<SessionMessage> m, CancellationToken ct) => inner.AppendMessagesAsync(id, m, ct));
        storage.Setup(s => s.GetMessagesAsync(It.IsAny<string>(), It.IsAny<MessageRange>(), It.IsAny<CancellationToken>()))
            .Returns((string id, MessageRange r, CancellationToken ct) => inner.GetMessagesAsync(id, r, ct));
        storage.Setup(s => s.UpdateAsync(It.IsAny<SessionInfo>(), It.IsAny<CancellationToken>()))
            .Returns((SessionInfo s, CancellationToken ct) => inner.UpdateAsync(s, ct));
        storage.Setup(s => s.ReplaceMessagesAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<SessionMessage>>(), It.IsAny<long>(), It.IsAny<CancellationToken>()))
            .Returns((string id, IReadOnlyList<SessionMessage> m, long v, CancellationToken ct) => inner.ReplaceMessagesAsync(id, m, v, ct));
        storage.Setup(s => s.DeleteAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string id, CancellationToken ct) => inner.DeleteAsync(id, ct));
        storage.Setup(s => s.ExistsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string id, CancellationToken ct) => inner.ExistsAsync(id, ct));
        storage.Setup(s => s.ListAsync(It.IsAny<SessionQuery>(), It.IsAny<CancellationToken>()))
            .Returns((SessionQuery q, CancellationToken ct) => inner.ListAsync(q, ct));
        return ValueTask.FromResult(storage.Object);
    }

    protected override ISessionSearch GetSearch(ISessionStorage storage)
    {
        Assert.That(storage, Is.Not.InstanceOf<ISessionSearch>());
        return new ScanningSessionSearch(storage);
    }
}
