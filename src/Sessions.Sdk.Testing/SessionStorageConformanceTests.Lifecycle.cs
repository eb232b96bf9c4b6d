using Microsoft.Extensions.AI;
using NUnit.Framework;

namespace Sessions.Sdk.Testing;

public abstract partial class SessionStorageConformanceTests
{
    /// <summary>Checks that a new session is stored with version 1, no messages and its own fields.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task CreateAsync_NewSession_ReturnsVersionOneAndNoMessages()
    {
        var session = NewSession(title: "Hello");

        var created = await Storage.CreateAsync(session, []).ConfigureAwait(false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(created.Id, Is.EqualTo(session.Id));
            Assert.That(created.Title, Is.EqualTo("Hello"));
            Assert.That(created.Version, Is.EqualTo(1));
            Assert.That(created.MessageCount, Is.Zero);
            Assert.That(created.Usage, Is.EqualTo(SessionUsage.Empty));
            Assert.That(created.CreatedAt, Is.EqualTo(BaseTime));
            Assert.That(created.UpdatedAt, Is.Not.EqualTo(default(DateTimeOffset)));
        }

        Assert.That(await ReadAllAsync(session.Id).ConfigureAwait(false), Is.Empty);
    }

    /// <summary>Checks that initial messages get sequences 1..n whatever sequences they carried.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task CreateAsync_WithMessages_AssignsSequencesFromOne()
    {
        var messages = TextMessages(3).Select(m => m with { Sequence = 77 }).ToArray();

        var created = await Storage.CreateAsync(NewSession(), messages).ConfigureAwait(false);
        var stored = await ReadAllAsync(created.Id).ConfigureAwait(false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(created.MessageCount, Is.EqualTo(3));
            Assert.That(created.Version, Is.EqualTo(1));
            AssertSequences(stored, 1, 2, 3);
            Assert.That(stored.Select(m => m.Text), Is.EqualTo(new[] { "m1", "m2", "m3" }));
            Assert.That(stored.Select(m => m.Role), Is.EqualTo(new[] { ChatRole.User, ChatRole.Assistant, ChatRole.User }));
        }
    }

    /// <summary>Checks that initial messages' usage is summed into the session's usage.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task CreateAsync_WithMessages_AccumulatesUsage()
    {
        var u1 = new SessionUsage { InputTokens = 10, OutputTokens = 5, TotalTokens = 15, Cost = 0.0015m, Requests = 1 };
        var u2 = new SessionUsage { InputTokens = 20, OutputTokens = 7, TotalTokens = 27, Cost = 0.0027m, Requests = 1 };
        SessionMessage[] messages =
        [
            TextMessage(ChatRole.User, "q"),
            TextMessage(ChatRole.Assistant, "a1", usage: u1),
            TextMessage(ChatRole.Assistant, "a2", usage: u2),
        ];

        var created = await Storage.CreateAsync(NewSession(), messages).ConfigureAwait(false);
        var fetched = await Storage.GetAsync(created.Id).ConfigureAwait(false);

        Assert.That(created.Usage, Is.EqualTo(u1.Add(u2)));
        Assert.That(fetched!.Usage, Is.EqualTo(u1.Add(u2)));
    }

    /// <summary>
    /// Checks that requests with an unknown price stay counted as such (<see cref="SessionUsage.UnpricedRequests"/>) through create,
    /// append, get, list, message reads and a reopen: a session's cost is never passed off as complete (or as $0) when it is not.
    /// </summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task UnpricedRequests_CreateAppendGetListReopen_StayCounted()
    {
        string marker = NewMarker();
        var priced = new SessionUsage { InputTokens = 10, OutputTokens = 5, TotalTokens = 15, Cost = 0.0015m, Requests = 1 };
        var unpriced = new SessionUsage { InputTokens = 20, OutputTokens = 7, TotalTokens = 27, Requests = 1, UnpricedRequests = 1 };
        var twoUnpriced = new SessionUsage { InputTokens = 3, OutputTokens = 4, TotalTokens = 7, Requests = 2, UnpricedRequests = 2 };
        var created = await Storage.CreateAsync(
            NewSession(tags: marker),
            [TextMessage(ChatRole.User, "q"), TextMessage(ChatRole.Assistant, "a1", usage: priced), TextMessage(ChatRole.Assistant, "a2", usage: unpriced)]).ConfigureAwait(false);
        await Storage.AppendMessagesAsync(created.Id, [TextMessage(ChatRole.Assistant, "a3", usage: twoUnpriced)]).ConfigureAwait(false);
        var expected = priced.Add(unpriced).Add(twoUnpriced);

        var fetched = await Storage.GetAsync(created.Id).ConfigureAwait(false);
        var listed = (await ListAllAsync(Storage, new SessionQuery { Tag = marker }).ConfigureAwait(false)).Single();
        var reopened = await ReopenStorageAsync(Storage).ConfigureAwait(false);
        lock (_created) _created.Add(reopened);
        var after = await reopened.GetAsync(created.Id).ConfigureAwait(false);
        var messages = await ReadAllAsync(created.Id, reopened).ConfigureAwait(false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(expected.UnpricedRequests, Is.EqualTo(3));
            Assert.That(created.Usage, Is.EqualTo(priced.Add(unpriced)), "create");
            Assert.That(fetched!.Usage, Is.EqualTo(expected), "get after append");
            Assert.That(listed.Usage, Is.EqualTo(expected), "list");
            Assert.That(after!.Usage, Is.EqualTo(expected), "get after reopen");
            Assert.That(messages.Select(m => m.Usage?.UnpricedRequests ?? -1), Is.EqualTo(new[] { -1, 0, 1, 2 }), "each message keeps its own count");
            Assert.That(messages[2].Usage, Is.EqualTo(unpriced));
        }
    }

    /// <summary>Checks that storage-maintained fields passed to create are recomputed, not trusted.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task CreateAsync_StorageMaintainedFieldsGiven_RecomputesThem()
    {
        var session = NewSession() with
        {
            MessageCount = 999,
            Version = 42,
            Usage = new SessionUsage { InputTokens = 1000, Cost = 5m, Requests = 9 },
        };

        var created = await Storage.CreateAsync(session, TextMessages(2)).ConfigureAwait(false);
        var fetched = await Storage.GetAsync(session.Id).ConfigureAwait(false);

        foreach (var info in new[] { created, fetched! })
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(info.MessageCount, Is.EqualTo(2));
                Assert.That(info.Version, Is.EqualTo(1));
                Assert.That(info.Usage, Is.EqualTo(SessionUsage.Empty));
            }
        }
    }

    /// <summary>Checks that every descriptive field of a session round-trips through create, get and list.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task CreateAsync_AllFields_RoundTripThroughGetAndList()
    {
        string marker = NewMarker();
        var session = new SessionInfo
        {
            Id = NewId("full"),
            Title = "Übersicht — 会話 🚀",
            Kind = new SessionKind("research"),
            Tags = [marker, "alpha", "beta"],
            Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["owner"] = "ada", ["ticket"] = "T-42", ["empty"] = string.Empty },
            SystemPrompt = "You are terse.\nAnswer in one line.",
            ProviderName = "openai",
            ModelId = "gpt-test",
            ParentSessionId = NewId("parent"),
            BranchedAtSequence = 7,
            CreatedAt = BaseTime.AddMinutes(3),
            UpdatedAt = BaseTime.AddMinutes(3),
        };

        var created = await Storage.CreateAsync(session, []).ConfigureAwait(false);
        var fetched = await Storage.GetAsync(session.Id).ConfigureAwait(false);
        var listed = (await ListAllAsync(Storage, new SessionQuery { Tag = marker }).ConfigureAwait(false)).Single();

        foreach (var info in new[] { created, fetched!, listed })
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(info.Id, Is.EqualTo(session.Id));
                Assert.That(info.Title, Is.EqualTo(session.Title));
                Assert.That(info.Kind, Is.EqualTo(session.Kind));
                Assert.That(info.Kind.Value, Is.EqualTo("research"));
                Assert.That(info.Tags, Is.EqualTo(session.Tags));
                Assert.That(info.Metadata, Is.EquivalentTo(session.Metadata));
                Assert.That(info.SystemPrompt, Is.EqualTo(session.SystemPrompt));
                Assert.That(info.ProviderName, Is.EqualTo("openai"));
                Assert.That(info.ModelId, Is.EqualTo("gpt-test"));
                Assert.That(info.ParentSessionId, Is.EqualTo(session.ParentSessionId));
                Assert.That(info.BranchedAtSequence, Is.EqualTo(7));
                Assert.That(info.CreatedAt, Is.EqualTo(session.CreatedAt));
                Assert.That(info.Version, Is.EqualTo(1));
            }
        }
    }

    /// <summary>Checks that optional fields left empty come back empty, not as placeholders.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task CreateAsync_OptionalFieldsEmpty_RoundTripAsEmpty()
    {
        var session = new SessionInfo { Id = NewId("min"), CreatedAt = BaseTime, UpdatedAt = BaseTime };

        await Storage.CreateAsync(session, []).ConfigureAwait(false);
        var fetched = await Storage.GetAsync(session.Id).ConfigureAwait(false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fetched, Is.Not.Null);
            Assert.That(fetched!.Title, Is.Empty);
            Assert.That(fetched.Kind, Is.EqualTo(SessionKind.Chat));
            Assert.That(fetched.Tags, Is.Empty);
            Assert.That(fetched.Metadata, Is.Empty);
            Assert.That(fetched.SystemPrompt, Is.Null);
            Assert.That(fetched.ProviderName, Is.Null);
            Assert.That(fetched.ModelId, Is.Null);
            Assert.That(fetched.ParentSessionId, Is.Null);
            Assert.That(fetched.BranchedAtSequence, Is.Null);
        }
    }

    /// <summary>Checks that creating an existing id fails and leaves the first session intact.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task CreateAsync_DuplicateId_ThrowsSessionAlreadyExistsAndKeepsOriginal()
    {
        var original = await CreateWithMessagesAsync(2).ConfigureAwait(false);

        var ex = await ConformanceAssert.ThrowsAsync<SessionAlreadyExistsException>(
            () => Storage.CreateAsync(NewSession(original.Id, "Impostor"), TextMessages(5, "x")).AsTask()).ConfigureAwait(false);

        Assert.That(ex!.SessionId, Is.EqualTo(original.Id));
        var fetched = await Storage.GetAsync(original.Id).ConfigureAwait(false);
        var messages = await ReadAllAsync(original.Id).ConfigureAwait(false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(fetched!.Title, Is.EqualTo(original.Title));
            Assert.That(fetched.MessageCount, Is.EqualTo(2));
            Assert.That(messages.Select(m => m.Text), Is.EqualTo(new[] { "m1", "m2" }));
        }
    }

    /// <summary>Checks that concurrent creates of one id let exactly one win.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task CreateAsync_ConcurrentSameId_ExactlyOneSucceeds()
    {
        string id = NewId("race");
        var attempts = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await Storage.CreateAsync(NewSession(id, $"writer {i}"), TextMessages(i + 1, $"w{i}-")).ConfigureAwait(false);
                return true;
            }
            catch (SessionAlreadyExistsException)
            {
                return false;
            }
        })).ToArray();

        bool[] results = await Task.WhenAll(attempts).ConfigureAwait(false);

        Assert.That(results.Count(r => r), Is.EqualTo(1));
        int winner = Array.IndexOf(results, true);
        var messages = await ReadAllAsync(id).ConfigureAwait(false);
        Assert.That(messages.Select(m => m.Text), Is.EqualTo(TextMessages(winner + 1, $"w{winner}-").Select(m => m.Text)));
    }

    /// <summary>Checks that null arguments to create are rejected.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task CreateAsync_NullArguments_ThrowArgumentNullException()
    {
        await ConformanceAssert.ThrowsAsync<ArgumentNullException>(() => Storage.CreateAsync(null!, []).AsTask()).ConfigureAwait(false);
        var session = NewSession();
        await ConformanceAssert.ThrowsAsync<ArgumentNullException>(() => Storage.CreateAsync(session, null!).AsTask()).ConfigureAwait(false);
        Assert.That(await Storage.ExistsAsync(session.Id).ConfigureAwait(false), Is.False);
    }

    /// <summary>Checks that getting an unknown id returns null.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task GetAsync_MissingSession_ReturnsNull()
    {
        Assert.That(await Storage.GetAsync(NewId("missing")).ConfigureAwait(false), Is.Null);
    }

    /// <summary>Checks that get returns what create returned.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task GetAsync_ExistingSession_MatchesCreateResult()
    {
        var created = await CreateWithMessagesAsync(4).ConfigureAwait(false);

        var fetched = await Storage.GetAsync(created.Id).ConfigureAwait(false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fetched, Is.Not.Null);
            Assert.That(fetched!.Id, Is.EqualTo(created.Id));
            Assert.That(fetched.MessageCount, Is.EqualTo(4));
            Assert.That(fetched.Version, Is.EqualTo(created.Version));
            Assert.That(fetched.UpdatedAt, Is.EqualTo(created.UpdatedAt));
            Assert.That(fetched.CreatedAt, Is.EqualTo(created.CreatedAt));
        }
    }

    /// <summary>Checks that an append returns the messages with their assigned sequences, in order.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task AppendMessagesAsync_Batch_ReturnsAssignedSequencesInOrder()
    {
        var created = await CreateWithMessagesAsync(2).ConfigureAwait(false);

        var appended = await Storage.AppendMessagesAsync(created.Id, TextMessages(3, "a")).ConfigureAwait(false);

        AssertSequences(appended, 3, 4, 5);
        Assert.That(appended.Select(m => m.Text), Is.EqualTo(new[] { "a1", "a2", "a3" }));
        var stored = await ReadAllAsync(created.Id).ConfigureAwait(false);
        AssertSequences(stored, 1, 2, 3, 4, 5);
        Assert.That(stored.Select(m => m.Text), Is.EqualTo(new[] { "m1", "m2", "a1", "a2", "a3" }));
    }

    /// <summary>Checks that successive appends continue the numbering and ignore the sequences given.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task AppendMessagesAsync_SuccessiveCalls_ContinueNumberingIgnoringGivenSequences()
    {
        var created = await Storage.CreateAsync(NewSession(), []).ConfigureAwait(false);

        for (int i = 1; i <= 20; i++)
        {
            var appended = await Storage.AppendMessagesAsync(created.Id, [TextMessage(ChatRole.User, $"n{i}") with { Sequence = 1000 - i }]).ConfigureAwait(false);
            Assert.That(appended.Single().Sequence, Is.EqualTo(i));
        }

        var stored = await ReadAllAsync(created.Id).ConfigureAwait(false);
        AssertSequences(stored, Range(1, 20));
        Assert.That(stored.Select(m => m.Text), Is.EqualTo(Enumerable.Range(1, 20).Select(i => $"n{i}")));
    }

    /// <summary>Checks that an append updates the count, usage and last-update time, and advances the version by one per message
    /// (so a replacement based on an older read cannot drop it).</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task AppendMessagesAsync_UpdatesCountUsageUpdatedAtAndVersion()
    {
        var (storage, clock) = await CreateClockedStorageAsync().ConfigureAwait(false);
        var usage = new SessionUsage { InputTokens = 3, OutputTokens = 4, TotalTokens = 7, Cost = 0.25m, Requests = 1 };
        var created = await storage.CreateAsync(NewSession(), [TextMessage(ChatRole.User, "q", usage: usage)]).ConfigureAwait(false);
        await TickAsync(clock).ConfigureAwait(false);

        await storage.AppendMessagesAsync(created.Id, [TextMessage(ChatRole.Assistant, "a", usage: usage), TextMessage(ChatRole.User, "q2")]).ConfigureAwait(false);
        var after = await storage.GetAsync(created.Id).ConfigureAwait(false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(after!.MessageCount, Is.EqualTo(3));
            Assert.That(after.Usage, Is.EqualTo(usage.Add(usage)));
            Assert.That(after.Version, Is.EqualTo(created.Version + 2));
            Assert.That(after.UpdatedAt, Is.GreaterThan(created.UpdatedAt));
            Assert.That(after.CreatedAt, Is.EqualTo(created.CreatedAt));
            if (clock is not null) Assert.That(after.UpdatedAt, Is.EqualTo(clock.GetUtcNow()));
        }
    }

    /// <summary>Checks that appending no messages changes nothing.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task AppendMessagesAsync_EmptyList_ReturnsEmptyAndChangesNothing()
    {
        var created = await CreateWithMessagesAsync(2).ConfigureAwait(false);

        var appended = await Storage.AppendMessagesAsync(created.Id, []).ConfigureAwait(false);
        var after = await Storage.GetAsync(created.Id).ConfigureAwait(false);

        Assert.That(appended, Is.Empty);
        Assert.That(after!.MessageCount, Is.EqualTo(2));
        AssertSequences(await ReadAllAsync(created.Id).ConfigureAwait(false), 1, 2);
    }

    /// <summary>Checks that appending to an unknown session throws <see cref="SessionNotFoundException"/>.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task AppendMessagesAsync_MissingSession_ThrowsSessionNotFound()
    {
        string id = NewId("missing");

        var ex = await ConformanceAssert.ThrowsAsync<SessionNotFoundException>(() => Storage.AppendMessagesAsync(id, TextMessages(1)).AsTask()).ConfigureAwait(false);

        Assert.That(ex!.SessionId, Is.EqualTo(id));
        Assert.That(await Storage.ExistsAsync(id).ConfigureAwait(false), Is.False);
    }

    /// <summary>Checks that a null message list is rejected without touching the session.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task AppendMessagesAsync_NullMessages_ThrowsArgumentNullException()
    {
        var created = await CreateWithMessagesAsync(1).ConfigureAwait(false);

        await ConformanceAssert.ThrowsAsync<ArgumentNullException>(() => Storage.AppendMessagesAsync(created.Id, null!).AsTask()).ConfigureAwait(false);

        Assert.That((await Storage.GetAsync(created.Id).ConfigureAwait(false))!.MessageCount, Is.EqualTo(1));
    }

    /// <summary>Checks that an update persists every metadata field and increments the version.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task UpdateAsync_AllMetadataFields_PersistedAndVersionIncremented()
    {
        var created = await CreateWithMessagesAsync(2).ConfigureAwait(false);
        var change = created with
        {
            Title = "Renamed",
            Kind = SessionKind.Plan,
            Tags = ["x", "y"],
            Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["k"] = "v" },
            SystemPrompt = "Be brief.",
            ProviderName = "anthropic",
            ModelId = "claude-test",
        };

        var updated = await Storage.UpdateAsync(change).ConfigureAwait(false);
        var fetched = await Storage.GetAsync(created.Id).ConfigureAwait(false);

        foreach (var info in new[] { updated, fetched! })
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(info.Version, Is.EqualTo(created.Version + 1));
                Assert.That(info.Title, Is.EqualTo("Renamed"));
                Assert.That(info.Kind, Is.EqualTo(SessionKind.Plan));
                Assert.That(info.Tags, Is.EqualTo(new[] { "x", "y" }));
                Assert.That(info.Metadata, Is.EquivalentTo(new Dictionary<string, string>(StringComparer.Ordinal) { ["k"] = "v" }));
                Assert.That(info.SystemPrompt, Is.EqualTo("Be brief."));
                Assert.That(info.ProviderName, Is.EqualTo("anthropic"));
                Assert.That(info.ModelId, Is.EqualTo("claude-test"));
                Assert.That(info.MessageCount, Is.EqualTo(2));
                Assert.That(info.CreatedAt, Is.EqualTo(created.CreatedAt));
                Assert.That(info.UpdatedAt, Is.GreaterThanOrEqualTo(created.UpdatedAt));
            }
        }
    }

    /// <summary>Checks that an update can clear optional fields.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task UpdateAsync_ClearingOptionalFields_PersistsEmptyValues()
    {
        var session = NewSession(title: "Has everything", tags: ["a", "b"]) with
        {
            Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["k"] = "v" },
            SystemPrompt = "prompt",
            ProviderName = "openai",
            ModelId = "m",
        };
        var created = await Storage.CreateAsync(session, []).ConfigureAwait(false);

        await Storage.UpdateAsync(created with
        {
            Title = string.Empty,
            Tags = [],
            Metadata = new Dictionary<string, string>(StringComparer.Ordinal),
            SystemPrompt = null,
            ProviderName = null,
            ModelId = null,
        }).ConfigureAwait(false);
        var fetched = await Storage.GetAsync(created.Id).ConfigureAwait(false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fetched!.Title, Is.Empty);
            Assert.That(fetched.Tags, Is.Empty);
            Assert.That(fetched.Metadata, Is.Empty);
            Assert.That(fetched.SystemPrompt, Is.Null);
            Assert.That(fetched.ProviderName, Is.Null);
            Assert.That(fetched.ModelId, Is.Null);
            Assert.That(fetched.Version, Is.EqualTo(2));
        }
    }

    /// <summary>Checks that storage-maintained fields given to update are ignored.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task UpdateAsync_StorageMaintainedFieldsGiven_Ignored()
    {
        var usage = new SessionUsage { InputTokens = 5, TotalTokens = 5, Cost = 0.5m, Requests = 1 };
        var created = await Storage.CreateAsync(NewSession(), [TextMessage(ChatRole.Assistant, "a", usage: usage)]).ConfigureAwait(false);

        var updated = await Storage.UpdateAsync(created with
        {
            Title = "t2",
            MessageCount = 500,
            Usage = new SessionUsage { InputTokens = 99999, Cost = 99m },
            SizeBytes = 123456789,
        }).ConfigureAwait(false);
        var fetched = await Storage.GetAsync(created.Id).ConfigureAwait(false);

        foreach (var info in new[] { updated, fetched! })
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(info.Title, Is.EqualTo("t2"));
                Assert.That(info.MessageCount, Is.EqualTo(1));
                Assert.That(info.Usage, Is.EqualTo(usage));
                Assert.That(info.SizeBytes, Is.Not.EqualTo(123456789));
            }
        }

        Assert.That(await ReadAllAsync(created.Id).ConfigureAwait(false), Has.Count.EqualTo(1));
    }

    /// <summary>Checks that an update based on a stale version fails with both versions and changes nothing.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task UpdateAsync_StaleVersion_ThrowsConcurrencyExceptionWithVersions()
    {
        var created = await CreateWithMessagesAsync(1).ConfigureAwait(false);
        await Storage.UpdateAsync(created with { Title = "first writer" }).ConfigureAwait(false);

        var ex = await ConformanceAssert.ThrowsAsync<SessionConcurrencyException>(
            () => Storage.UpdateAsync(created with { Title = "second writer" }).AsTask()).ConfigureAwait(false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ex!.SessionId, Is.EqualTo(created.Id));
            Assert.That(ex.ExpectedVersion, Is.EqualTo(1));
            Assert.That(ex.ActualVersion, Is.EqualTo(2));
        }

        var fetched = await Storage.GetAsync(created.Id).ConfigureAwait(false);
        Assert.That(fetched!.Title, Is.EqualTo("first writer"));
        Assert.That(fetched.Version, Is.EqualTo(2));
    }

    /// <summary>Checks that appends do not make a metadata update stale.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task UpdateAsync_AfterAppends_SucceedsFromTheVersionReadBeforeThem()
    {
        var created = await CreateWithMessagesAsync(1).ConfigureAwait(false);
        await Storage.AppendMessagesAsync(created.Id, TextMessages(3, "a")).ConfigureAwait(false);

        // Appends since the caller's read are merged, never a conflict for a metadata edit.
        var updated = await Storage.UpdateAsync(created with { Title = "after appends" }).ConfigureAwait(false);

        Assert.That(updated.Version, Is.EqualTo(created.Version + 3 + 1));
        Assert.That(updated.MessageCount, Is.EqualTo(4));
    }

    /// <summary>Checks that concurrent updates from the same version let exactly one win.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task UpdateAsync_ConcurrentSameVersion_ExactlyOneSucceeds()
    {
        var created = await CreateWithMessagesAsync(1).ConfigureAwait(false);
        var attempts = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await Storage.UpdateAsync(created with { Title = $"writer {i}" }).ConfigureAwait(false);
                return i;
            }
            catch (SessionConcurrencyException)
            {
                return -1;
            }
        })).ToArray();

        int[] results = await Task.WhenAll(attempts).ConfigureAwait(false);

        var winners = results.Where(r => r >= 0).ToArray();
        Assert.That(winners, Has.Length.EqualTo(1));
        var fetched = await Storage.GetAsync(created.Id).ConfigureAwait(false);
        Assert.That(fetched!.Title, Is.EqualTo($"writer {winners[0]}"));
        Assert.That(fetched.Version, Is.EqualTo(2));
    }

    /// <summary>Checks that updating an unknown session throws <see cref="SessionNotFoundException"/>.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task UpdateAsync_MissingSession_ThrowsSessionNotFound()
    {
        var session = NewSession() with { Version = 1 };

        var ex = await ConformanceAssert.ThrowsAsync<SessionNotFoundException>(() => Storage.UpdateAsync(session).AsTask()).ConfigureAwait(false);

        Assert.That(ex!.SessionId, Is.EqualTo(session.Id));
        Assert.That(await Storage.ExistsAsync(session.Id).ConfigureAwait(false), Is.False);
    }

    /// <summary>Checks that replacing messages renumbers them from 1 and increments the version.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ReplaceMessagesAsync_NewMessages_RenumberedAndVersionIncremented()
    {
        var created = await CreateWithMessagesAsync(5).ConfigureAwait(false);
        var replacement = TextMessages(2, "r").Select((m, i) => m with { Sequence = 40 + i }).ToArray();

        var replaced = await Storage.ReplaceMessagesAsync(created.Id, replacement, created.Version).ConfigureAwait(false);
        var stored = await ReadAllAsync(created.Id).ConfigureAwait(false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(replaced.Version, Is.EqualTo(created.Version + 1));
            Assert.That(replaced.MessageCount, Is.EqualTo(2));
            Assert.That(stored.Select(m => m.Text), Is.EqualTo(new[] { "r1", "r2" }));
            Assert.That((await Storage.GetAsync(created.Id).ConfigureAwait(false))!.Version, Is.EqualTo(created.Version + 1));
        }

        AssertSequences(stored, 1, 2);
    }

    /// <summary>Checks that replacing messages keeps the usage already accumulated.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ReplaceMessagesAsync_AccumulatedUsage_Kept()
    {
        var usage = new SessionUsage { InputTokens = 100, OutputTokens = 50, TotalTokens = 150, Cost = 0.0042m, Requests = 2 };
        var created = await Storage.CreateAsync(NewSession(), [TextMessage(ChatRole.User, "q"), TextMessage(ChatRole.Assistant, "a", usage: usage)]).ConfigureAwait(false);

        var replaced = await Storage.ReplaceMessagesAsync(created.Id, [TextMessage(ChatRole.User, "summary")], created.Version).ConfigureAwait(false);
        var fetched = await Storage.GetAsync(created.Id).ConfigureAwait(false);

        Assert.That(replaced.Usage, Is.EqualTo(usage));
        Assert.That(fetched!.Usage, Is.EqualTo(usage));
    }

    /// <summary>Checks that replacing with an empty list clears the session.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ReplaceMessagesAsync_EmptyList_ClearsMessages()
    {
        var created = await CreateWithMessagesAsync(4).ConfigureAwait(false);

        var replaced = await Storage.ReplaceMessagesAsync(created.Id, [], created.Version).ConfigureAwait(false);

        Assert.That(replaced.MessageCount, Is.Zero);
        Assert.That(await ReadAllAsync(created.Id).ConfigureAwait(false), Is.Empty);
        Assert.That(await Storage.GetMessagesAsync(created.Id, MessageRange.Last(3)).ConfigureAwait(false), Is.Empty);
    }

    /// <summary>Checks that appends after a replacement continue from the new last sequence.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ReplaceMessagesAsync_ThenAppend_ContinuesNumbering()
    {
        var created = await CreateWithMessagesAsync(6).ConfigureAwait(false);
        await Storage.ReplaceMessagesAsync(created.Id, TextMessages(2, "r"), created.Version).ConfigureAwait(false);

        var appended = await Storage.AppendMessagesAsync(created.Id, TextMessages(2, "a")).ConfigureAwait(false);

        AssertSequences(appended, 3, 4);
        var stored = await ReadAllAsync(created.Id).ConfigureAwait(false);
        AssertSequences(stored, 1, 2, 3, 4);
        Assert.That(stored.Select(m => m.Text), Is.EqualTo(new[] { "r1", "r2", "a1", "a2" }));
        Assert.That((await Storage.GetMessagesAsync(created.Id, MessageRange.Last(1)).ConfigureAwait(false)).Select(m => m.Text), Is.EqualTo(new[] { "a2" }));
    }

    /// <summary>Checks that a replacement based on a stale version fails and keeps the stored messages.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ReplaceMessagesAsync_StaleVersion_ThrowsAndKeepsMessages()
    {
        var created = await CreateWithMessagesAsync(3).ConfigureAwait(false);
        await Storage.UpdateAsync(created with { Title = "bumped" }).ConfigureAwait(false);

        var ex = await ConformanceAssert.ThrowsAsync<SessionConcurrencyException>(
            () => Storage.ReplaceMessagesAsync(created.Id, TextMessages(1, "r"), created.Version).AsTask()).ConfigureAwait(false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ex!.SessionId, Is.EqualTo(created.Id));
            Assert.That(ex.ExpectedVersion, Is.EqualTo(1));
            Assert.That(ex.ActualVersion, Is.EqualTo(2));
        }

        var stored = await ReadAllAsync(created.Id).ConfigureAwait(false);
        Assert.That(stored.Select(m => m.Text), Is.EqualTo(new[] { "m1", "m2", "m3" }));
    }

    /// <summary>Checks that replacing the messages of an unknown session throws <see cref="SessionNotFoundException"/>.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ReplaceMessagesAsync_MissingSession_ThrowsSessionNotFound()
    {
        string id = NewId("missing");

        var ex = await ConformanceAssert.ThrowsAsync<SessionNotFoundException>(() => Storage.ReplaceMessagesAsync(id, TextMessages(1), 1).AsTask()).ConfigureAwait(false);

        Assert.That(ex!.SessionId, Is.EqualTo(id));
        Assert.That(await Storage.ExistsAsync(id).ConfigureAwait(false), Is.False);
    }

    /// <summary>Checks that deleting removes the session and its messages.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task DeleteAsync_ExistingSession_RemovesSessionAndMessages()
    {
        string marker = NewMarker();
        var created = await Storage.CreateAsync(NewSession(tags: marker), TextMessages(3)).ConfigureAwait(false);

        bool deleted = await Storage.DeleteAsync(created.Id).ConfigureAwait(false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(deleted, Is.True);
            Assert.That(await Storage.GetAsync(created.Id).ConfigureAwait(false), Is.Null);
            Assert.That(await Storage.ExistsAsync(created.Id).ConfigureAwait(false), Is.False);
            Assert.That(await ListAllAsync(Storage, new SessionQuery { Tag = marker }).ConfigureAwait(false), Is.Empty);
        }

        await ConformanceAssert.ThrowsAsync<SessionNotFoundException>(() => Storage.GetMessagesAsync(created.Id, MessageRange.All).AsTask()).ConfigureAwait(false);
        Assert.That(await Storage.DeleteAsync(created.Id).ConfigureAwait(false), Is.False);
    }

    /// <summary>Checks that deleting an unknown session returns false.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task DeleteAsync_MissingSession_ReturnsFalse()
    {
        Assert.That(await Storage.DeleteAsync(NewId("missing")).ConfigureAwait(false), Is.False);
    }

    /// <summary>Checks that deleting one session leaves the others untouched.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task DeleteAsync_OneSession_LeavesOthersIntact()
    {
        var keep = await CreateWithMessagesAsync(2).ConfigureAwait(false);
        var drop = await CreateWithMessagesAsync(2).ConfigureAwait(false);

        await Storage.DeleteAsync(drop.Id).ConfigureAwait(false);

        Assert.That(await Storage.ExistsAsync(keep.Id).ConfigureAwait(false), Is.True);
        Assert.That((await ReadAllAsync(keep.Id).ConfigureAwait(false)).Select(m => m.Text), Is.EqualTo(new[] { "m1", "m2" }));
    }

    /// <summary>Checks that a deleted id can be created again and starts fresh.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task DeleteAsync_ThenCreateSameId_StartsFresh()
    {
        var usage = new SessionUsage { InputTokens = 1, TotalTokens = 1, Cost = 1m, Requests = 1 };
        var first = await Storage.CreateAsync(NewSession(), [TextMessage(ChatRole.User, "old", usage: usage)]).ConfigureAwait(false);
        await Storage.UpdateAsync(first with { Title = "v2" }).ConfigureAwait(false);
        await Storage.DeleteAsync(first.Id).ConfigureAwait(false);

        var second = await Storage.CreateAsync(NewSession(first.Id, "reborn"), []).ConfigureAwait(false);
        var appended = await Storage.AppendMessagesAsync(first.Id, [TextMessage(ChatRole.User, "new")]).ConfigureAwait(false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(second.Version, Is.EqualTo(1));
            Assert.That(second.Title, Is.EqualTo("reborn"));
            Assert.That(second.Usage, Is.EqualTo(SessionUsage.Empty));
            Assert.That(appended.Single().Sequence, Is.EqualTo(1));
        }

        Assert.That((await ReadAllAsync(first.Id).ConfigureAwait(false)).Select(m => m.Text), Is.EqualTo(new[] { "new" }));
    }

    /// <summary>Checks that exists follows the session's lifecycle.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ExistsAsync_Lifecycle_ReflectsCreateAndDelete()
    {
        string id = NewId();
        Assert.That(await Storage.ExistsAsync(id).ConfigureAwait(false), Is.False);

        await Storage.CreateAsync(NewSession(id), []).ConfigureAwait(false);
        Assert.That(await Storage.ExistsAsync(id).ConfigureAwait(false), Is.True);

        await Storage.DeleteAsync(id).ConfigureAwait(false);
        Assert.That(await Storage.ExistsAsync(id).ConfigureAwait(false), Is.False);
    }
}
