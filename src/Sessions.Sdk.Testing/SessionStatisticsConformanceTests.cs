using Microsoft.Extensions.AI;
using NUnit.Framework;

namespace Sessions.Sdk.Testing;

/// <summary>Verifies that a store's <see cref="ISessionStatisticsSource"/> agrees with <see cref="SessionsStatisticsCalculator.Fold"/> over its own listing.</summary>
/// <remarks>
/// Inherit it in a sealed <c>[TestFixture]</c> class and implement <see cref="CreateStorageAsync"/>; the storage must implement
/// <see cref="ISessionStatisticsSource"/>. Each test marks its sessions with a unique tag and asks only about them.
/// </remarks>
public abstract class SessionStatisticsConformanceTests
{
    private ISessionStorage? _storage;

    /// <summary>Gets the storage created for the current test.</summary>
    /// <exception cref="InvalidOperationException">No test is running.</exception>
    protected ISessionStorage Storage => _storage ?? throw new InvalidOperationException("The storage is created in SetUp; use it from a test.");

    /// <summary>Creates the storage under test; called once before every test.</summary>
    /// <returns>The storage; it must implement <see cref="ISessionStatisticsSource"/>.</returns>
    protected abstract ValueTask<ISessionStorage> CreateStorageAsync();

    /// <summary>Disposes a storage created for a test.</summary>
    /// <param name="storage">The storage.</param>
    /// <returns>A task that completes when it is disposed.</returns>
    protected virtual async ValueTask DisposeStorageAsync(ISessionStorage storage)
    {
        if (storage is IAsyncDisposable asyncDisposable) await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        else if (storage is IDisposable disposable) disposable.Dispose();
    }

    /// <summary>Creates the storage for the next test.</summary>
    /// <returns>A task that completes when the storage exists.</returns>
    [SetUp]
    public async Task SetUpStorageAsync()
    {
        _storage = await CreateStorageAsync().ConfigureAwait(false);
        Assert.That(_storage, Is.InstanceOf(typeof(ISessionStatisticsSource)), "The storage under test must implement ISessionStatisticsSource.");
    }

    /// <summary>Disposes the storage.</summary>
    /// <returns>A task that completes when it is disposed.</returns>
    [TearDown]
    public async Task TearDownStorageAsync()
    {
        if (_storage is { } storage) await DisposeStorageAsync(storage).ConfigureAwait(false);
        _storage = null;
    }

    /// <summary>Checks totals, groups, days and the most active sessions against the fold of the listing, trashed sessions left out.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task GetStatisticsAsync_AgreesWithTheFoldOfTheListing()
    {
        string marker = $"scm{Guid.NewGuid():N}";
        var day = new DateTimeOffset(2024, 6, 1, 10, 0, 0, TimeSpan.Zero);
        (string? Provider, string? Model, int Messages, decimal Cost)[] shapes =
        [
            ("openai", "gpt-4o", 3, 0.0125m),
            ("openai", "gpt-4o", 5, 0.0001m),
            ("anthropic", "claude", 2, 1.5m),
            (null, null, 1, 0m),
            ("openai", "gpt-4o-mini", 0, 0m),
        ];
        var ids = new List<string>();
        for (int i = 0; i < shapes.Length; i++)
        {
            var (provider, model, count, cost) = shapes[i];
            var info = new SessionInfo
            {
                Id = $"sc-{Guid.NewGuid():N}",
                Title = "stats",
                Tags = [marker],
                ProviderName = provider,
                ModelId = model,
                CreatedAt = day.AddDays(-i),
                UpdatedAt = day,
            };
            var messages = Enumerable.Range(0, count).Select(j => new SessionMessage
            {
                Message = new ChatMessage(j % 2 == 0 ? ChatRole.User : ChatRole.Assistant, $"x{j}"),
                Timestamp = day,
                // The third shape's model has no known price: its requests count as unpriced, not as free.
                Usage = j % 2 == 1 ? new SessionUsage { InputTokens = 10 + i, OutputTokens = 5, TotalTokens = 15 + i, Cost = i == 2 ? 0m : cost, Requests = 1, UnpricedRequests = i == 2 ? 1 : 0 } : null,
            }).ToArray();
            await Storage.CreateAsync(info, messages).ConfigureAwait(false);
            ids.Add(info.Id);
        }

        if (Storage.GetCapability<ISessionTrash>() is { } trash) await trash.TrashAsync(ids[1]).ConfigureAwait(false);
        var query = new SessionQuery { Tag = marker };
        var listed = new List<SessionInfo>();
        await foreach (var s in Storage.ListAsync(query).ConfigureAwait(false)) listed.Add(s);
        var expected = SessionsStatisticsCalculator.Fold(listed, mostActive: 3);

        var actual = await ((ISessionStatisticsSource)Storage).GetStatisticsAsync(query, mostActive: 3).ConfigureAwait(false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(actual.Sessions, Is.EqualTo(expected.Sessions));
            Assert.That(actual.Messages, Is.EqualTo(expected.Messages));
            Assert.That(actual.Usage, Is.EqualTo(expected.Usage));
            Assert.That(actual.SizeBytes, Is.EqualTo(expected.SizeBytes));
            Assert.That(actual.ByProviderAndModel, Is.EqualTo(expected.ByProviderAndModel));
            Assert.That(actual.ActivityByDay, Is.EqualTo(expected.ActivityByDay));
            Assert.That(actual.MostActive.Select(s => s.Id), Is.EqualTo(expected.MostActive.Select(s => s.Id)));
        }

        Assert.That(actual.Sessions, Is.EqualTo(Storage.GetCapability<ISessionTrash>() is not null ? 4 : 5));
        Assert.That(actual.Usage.UnpricedRequests, Is.EqualTo(1), "the unpriced request is counted, not turned into $0");
        Assert.That(actual.ByProviderAndModel.Single(g => g.ProviderName == "anthropic").Usage.UnpricedRequests, Is.EqualTo(1));
    }

    /// <summary>Checks that an empty selection gives zeros and empty lists.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task GetStatisticsAsync_NoMatch_IsEmpty()
    {
        var actual = await ((ISessionStatisticsSource)Storage).GetStatisticsAsync(new SessionQuery { Tag = $"none{Guid.NewGuid():N}" }, 5).ConfigureAwait(false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(actual.Sessions, Is.Zero);
            Assert.That(actual.Usage, Is.EqualTo(SessionUsage.Empty));
            Assert.That(actual.ByProviderAndModel, Is.Empty);
            Assert.That(actual.ActivityByDay, Is.Empty);
            Assert.That(actual.MostActive, Is.Empty);
        }
    }
}
