using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>The framework-neutral runner xUnit and MSTest users drive the conformance suites with.</summary>
public sealed class ConformanceSuiteTests
{
    [Test]
    public void GetCaseNames_StorageSuite_ListsEveryNUnitCaseOnceWithReadableNames()
    {
        var names = ConformanceSuite.GetCaseNames<NeutralMemorySuite<int>>();

        using (Assert.EnterMultipleScope())
        {
            // The same 171 cases NUnit runs for an inheriting fixture (Testing/README.md).
            Assert.That(names, Has.Count.EqualTo(171));
            Assert.That(names, Is.Unique);
            Assert.That(names, Has.All.Matches<string>(n => n is not null && n.All(c => c is >= ' ' and <= '~')), "names are plain ASCII, so every framework passes them back intact");
            Assert.That(names, Does.Contain("CreateAsync_DuplicateId_ThrowsSessionAlreadyExistsAndKeepsOriginal"));
            Assert.That(names, Does.Contain("AllOperations_HostileId_ThrowArgumentExceptionNamingParameter(traversal)"));
            Assert.That(names, Does.Contain("ListAsync_OrderBy_SortsWithIdTieBreak(UpdatedAt, descending)"));
        }
    }

    [Test]
    public async Task RunAsync_EveryStorageCaseOnMemoryStore_Passes()
    {
        var failures = new List<string>();
        foreach (var name in ConformanceSuite.GetCaseNames<NeutralMemorySuite<int>>())
        {
            try
            {
                await ConformanceSuite.RunAsync<NeutralMemorySuite<int>>(name);
            }
            catch (Exception ex)
            {
                failures.Add($"{name}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        Assert.That(failures, Is.Empty);
    }

    [Test]
    public async Task RunAsync_SearchSuiteOnMemoryStore_Passes()
    {
        var names = ConformanceSuite.GetCaseNames<NeutralMemorySearchSuite<int>>();
        Assert.That(names, Has.Count.EqualTo(30));
        foreach (var name in names)
        {
            await ConformanceSuite.RunAsync<NeutralMemorySearchSuite<int>>(name);
        }
    }

    [Test]
    public async Task RunAsync_StoreBreakingTheContract_FailsWithNUnitAssertion()
    {
        // A store that loses appended messages must fail the append cases, as it would under NUnit.
        var ex = await Assert.ThrowsAsync<AssertionException>(() => ConformanceSuite.RunAsync<ForgetfulMemorySuite<int>>("AppendMessagesAsync_Batch_ReturnsAssignedSequencesInOrder"));
        Assert.That(ex.Message, Is.Not.Empty);
    }

    [Test]
    public async Task RunAsync_UnknownCase_ThrowsArgumentExceptionNamingCaseName()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => ConformanceSuite.RunAsync<NeutralMemorySuite<int>>("NoSuchCase"));
        Assert.That(ex.ParamName, Is.EqualTo("caseName"));
    }

    // Subclasses as an xUnit or MSTest user writes them. Generic only so that NUnit, which skips open generic types,
    // does not also run them as fixtures of this assembly (an xUnit or MSTest project has no NUnit runner to avoid).
    public sealed class NeutralMemorySuite<TUnused> : SessionStorageConformanceTests
    {
        protected override ValueTask<ISessionStorage> CreateStorageAsync() => ValueTask.FromResult<ISessionStorage>(new MemorySessionStorage());

        protected override ValueTask<ISessionStorage?> CreateStorageAsync(TimeProvider timeProvider) =>
            ValueTask.FromResult<ISessionStorage?>(new MemorySessionStorage(timeProvider));
    }

    public sealed class NeutralMemorySearchSuite<TUnused> : SessionSearchConformanceTests
    {
        protected override ValueTask<ISessionStorage> CreateStorageAsync() => ValueTask.FromResult<ISessionStorage>(new MemorySessionStorage());
    }

    public sealed class ForgetfulMemorySuite<TUnused> : SessionStorageConformanceTests
    {
        protected override ValueTask<ISessionStorage> CreateStorageAsync() => ValueTask.FromResult<ISessionStorage>(new ForgetfulStorage());

        // Appends, but reports no assigned messages: the append cases must notice.
        private sealed class ForgetfulStorage : ISessionStorage
        {
            private readonly MemorySessionStorage _inner = new();

            public ValueTask<SessionInfo> CreateAsync(SessionInfo session, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default) => _inner.CreateAsync(session, messages, cancellationToken);

            public ValueTask<SessionInfo?> GetAsync(string sessionId, CancellationToken cancellationToken = default) => _inner.GetAsync(sessionId, cancellationToken);

            public async ValueTask<IReadOnlyList<SessionMessage>> AppendMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default)
            {
                await _inner.AppendMessagesAsync(sessionId, messages, cancellationToken);
                return [];
            }

            public ValueTask<IReadOnlyList<SessionMessage>> GetMessagesAsync(string sessionId, MessageRange range, CancellationToken cancellationToken = default) => _inner.GetMessagesAsync(sessionId, range, cancellationToken);

            public ValueTask<SessionInfo> UpdateAsync(SessionInfo session, CancellationToken cancellationToken = default) => _inner.UpdateAsync(session, cancellationToken);

            public ValueTask<SessionInfo> ReplaceMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, long expectedVersion, CancellationToken cancellationToken = default) => _inner.ReplaceMessagesAsync(sessionId, messages, expectedVersion, cancellationToken);

            public ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default) => _inner.DeleteAsync(sessionId, cancellationToken);

            public ValueTask<bool> ExistsAsync(string sessionId, CancellationToken cancellationToken = default) => _inner.ExistsAsync(sessionId, cancellationToken);

            public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default) => _inner.ListAsync(query, cancellationToken);
        }
    }
}
