using Microsoft.Extensions.AI;
using NUnit.Framework;

namespace Sessions.Sdk.Testing;

public abstract partial class SessionStorageConformanceTests
{
    /// <summary>Gets every sort field in both directions.</summary>
    /// <returns>The cases.</returns>
    public static IEnumerable<TestCaseData> SortCases()
    {
        foreach (var field in Enum.GetValues<SessionSortField>())
        {
            yield return new TestCaseData(field, false).SetArgDisplayNames(field.ToString(), "ascending");
            yield return new TestCaseData(field, true).SetArgDisplayNames(field.ToString(), "descending");
        }
    }

    /// <summary>Checks that listed sessions carry the same information as <see cref="ISessionStorage.GetAsync"/>.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ListAsync_Sessions_MatchGetAsync()
    {
        string marker = NewMarker();
        var usage = new SessionUsage { InputTokens = 9, OutputTokens = 1, TotalTokens = 10, Cost = 0.01m, Requests = 1 };
        var a = await Storage.CreateAsync(NewSession(title: "A", tags: marker), [TextMessage(ChatRole.Assistant, "x", usage: usage)]).ConfigureAwait(false);
        var b = await Storage.CreateAsync(NewSession(title: "B", tags: marker), TextMessages(3)).ConfigureAwait(false);
        await Storage.AppendMessagesAsync(a.Id, TextMessages(2)).ConfigureAwait(false);
        await Storage.UpdateAsync(b with { Title = "B2" }).ConfigureAwait(false);

        var listed = await ListAllAsync(Storage, new SessionQuery { Tag = marker }).ConfigureAwait(false);

        Assert.That(listed.Select(s => s.Id), Is.EquivalentTo(new[] { a.Id, b.Id }));
        foreach (var info in listed)
        {
            var fetched = await Storage.GetAsync(info.Id).ConfigureAwait(false);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(info.Title, Is.EqualTo(fetched!.Title));
                Assert.That(info.MessageCount, Is.EqualTo(fetched.MessageCount));
                Assert.That(info.Version, Is.EqualTo(fetched.Version));
                Assert.That(info.Usage, Is.EqualTo(fetched.Usage));
                Assert.That(info.CreatedAt, Is.EqualTo(fetched.CreatedAt));
                Assert.That(info.UpdatedAt, Is.EqualTo(fetched.UpdatedAt));
            }
        }

        Assert.That(listed.Single(s => s.Id == a.Id).MessageCount, Is.EqualTo(3));
        Assert.That(listed.Single(s => s.Id == b.Id).Version, Is.EqualTo(2));
    }

    /// <summary>Checks the title filter: substring, ignoring case.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ListAsync_TitleContains_MatchesSubstringIgnoringCase()
    {
        string marker = NewMarker();
        var hit = await Storage.CreateAsync(NewSession(title: "Quarterly REPORT draft", tags: marker), []).ConfigureAwait(false);
        await Storage.CreateAsync(NewSession(title: "Holiday plans", tags: marker), []).ConfigureAwait(false);

        var listed = await ListAllAsync(Storage, new SessionQuery { Tag = marker, TitleContains = "report" }).ConfigureAwait(false);

        Assert.That(listed.Select(s => s.Id), Is.EqualTo(new[] { hit.Id }));
    }

    /// <summary>Checks the tag filter: exact tag, ignoring case, not a substring.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ListAsync_Tag_MatchesWholeTagIgnoringCase()
    {
        string marker = NewMarker();
        string tag = "Tag" + marker;
        var hit = await Storage.CreateAsync(NewSession(tags: ["other", tag]), []).ConfigureAwait(false);
        await Storage.CreateAsync(NewSession(tags: [tag + "x"]), []).ConfigureAwait(false);
        await Storage.CreateAsync(NewSession(tags: [marker]), []).ConfigureAwait(false);

        var listed = await ListAllAsync(Storage, new SessionQuery { Tag = tag.ToUpperInvariant() }).ConfigureAwait(false);

        Assert.That(listed.Select(s => s.Id), Is.EqualTo(new[] { hit.Id }));
    }

    /// <summary>Checks the kind filter.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ListAsync_Kind_MatchesKind()
    {
        string marker = NewMarker();
        var plan = await Storage.CreateAsync(NewSession(tags: marker) with { Kind = SessionKind.Plan }, []).ConfigureAwait(false);
        var custom = await Storage.CreateAsync(NewSession(tags: marker) with { Kind = new SessionKind("review") }, []).ConfigureAwait(false);
        await Storage.CreateAsync(NewSession(tags: marker), []).ConfigureAwait(false);

        var plans = await ListAllAsync(Storage, new SessionQuery { Tag = marker, Kind = SessionKind.Plan }).ConfigureAwait(false);
        var reviews = await ListAllAsync(Storage, new SessionQuery { Tag = marker, Kind = new SessionKind("review") }).ConfigureAwait(false);
        var chats = await ListAllAsync(Storage, new SessionQuery { Tag = marker, Kind = SessionKind.Chat }).ConfigureAwait(false);

        Assert.That(plans.Select(s => s.Id), Is.EqualTo(new[] { plan.Id }));
        Assert.That(reviews.Select(s => s.Id), Is.EqualTo(new[] { custom.Id }));
        Assert.That(chats, Has.Count.EqualTo(1));
    }

    /// <summary>Checks the provider filter, ignoring case.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ListAsync_ProviderName_MatchesIgnoringCase()
    {
        string marker = NewMarker();
        var hit = await Storage.CreateAsync(NewSession(tags: marker) with { ProviderName = "OpenAI" }, []).ConfigureAwait(false);
        await Storage.CreateAsync(NewSession(tags: marker) with { ProviderName = "anthropic" }, []).ConfigureAwait(false);
        await Storage.CreateAsync(NewSession(tags: marker), []).ConfigureAwait(false);

        var listed = await ListAllAsync(Storage, new SessionQuery { Tag = marker, ProviderName = "openai" }).ConfigureAwait(false);

        Assert.That(listed.Select(s => s.Id), Is.EqualTo(new[] { hit.Id }));
    }

    /// <summary>Checks the model filter, ignoring case.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ListAsync_ModelId_MatchesIgnoringCase()
    {
        string marker = NewMarker();
        var hit = await Storage.CreateAsync(NewSession(tags: marker) with { ModelId = "GPT-4o" }, []).ConfigureAwait(false);
        await Storage.CreateAsync(NewSession(tags: marker) with { ModelId = "gpt-4o-mini" }, []).ConfigureAwait(false);

        var listed = await ListAllAsync(Storage, new SessionQuery { Tag = marker, ModelId = "gpt-4o" }).ConfigureAwait(false);

        Assert.That(listed.Select(s => s.Id), Is.EqualTo(new[] { hit.Id }));
    }

    /// <summary>Checks the creation-time filters: lower bound inclusive, upper bound exclusive.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ListAsync_CreatedRange_LowerInclusiveUpperExclusive()
    {
        string marker = NewMarker();
        var ids = new List<string>();
        for (int day = 0; day < 4; day++)
        {
            var s = await Storage.CreateAsync(NewSession(tags: marker) with { CreatedAt = BaseTime.AddDays(day), UpdatedAt = BaseTime.AddDays(day) }, []).ConfigureAwait(false);
            ids.Add(s.Id);
        }

        var listed = await ListAllAsync(Storage, new SessionQuery { Tag = marker, CreatedAfter = BaseTime.AddDays(1), CreatedBefore = BaseTime.AddDays(3) }).ConfigureAwait(false);
        var after = await ListAllAsync(Storage, new SessionQuery { Tag = marker, CreatedAfter = BaseTime.AddDays(3) }).ConfigureAwait(false);
        var before = await ListAllAsync(Storage, new SessionQuery { Tag = marker, CreatedBefore = BaseTime.AddDays(1) }).ConfigureAwait(false);

        Assert.That(listed.Select(s => s.Id), Is.EquivalentTo(new[] { ids[1], ids[2] }));
        Assert.That(after.Select(s => s.Id), Is.EqualTo(new[] { ids[3] }));
        Assert.That(before.Select(s => s.Id), Is.EqualTo(new[] { ids[0] }));
    }

    /// <summary>Checks the update-time filters against the times the store reports: lower inclusive, upper exclusive.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ListAsync_UpdatedRange_LowerInclusiveUpperExclusive()
    {
        var (storage, clock) = await CreateClockedStorageAsync().ConfigureAwait(false);
        string marker = NewMarker();
        var ids = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var s = await storage.CreateAsync(NewSession(tags: marker), []).ConfigureAwait(false);
            ids.Add(s.Id);
        }

        foreach (string id in ids)
        {
            await TickAsync(clock).ConfigureAwait(false);
            await storage.AppendMessagesAsync(id, TextMessages(1)).ConfigureAwait(false);
        }

        var times = new List<DateTimeOffset>();
        foreach (string id in ids) times.Add((await storage.GetAsync(id).ConfigureAwait(false))!.UpdatedAt);
        Assert.That(times, Is.Ordered.Ascending.And.Unique, "UpdatedAt must move forward with each append");

        var middle = await ListAllAsync(storage, new SessionQuery { Tag = marker, UpdatedAfter = times[1], UpdatedBefore = times[2] }).ConfigureAwait(false);
        var fromFirst = await ListAllAsync(storage, new SessionQuery { Tag = marker, UpdatedAfter = times[0] }).ConfigureAwait(false);
        var beforeLast = await ListAllAsync(storage, new SessionQuery { Tag = marker, UpdatedBefore = times[2] }).ConfigureAwait(false);

        Assert.That(middle.Select(s => s.Id), Is.EqualTo(new[] { ids[1] }));
        Assert.That(fromFirst, Has.Count.EqualTo(3));
        Assert.That(beforeLast.Select(s => s.Id), Is.EquivalentTo(new[] { ids[0], ids[1] }));
    }

    /// <summary>Checks the metadata filters: key alone, and key with an ordinal value.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ListAsync_Metadata_MatchesKeyAndOrdinalValue()
    {
        string marker = NewMarker();
        var alice = await Storage.CreateAsync(NewSession(tags: marker) with { Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["user"] = "alice" } }, []).ConfigureAwait(false);
        var bob = await Storage.CreateAsync(NewSession(tags: marker) with { Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["user"] = "Bob", ["team"] = "x" } }, []).ConfigureAwait(false);
        await Storage.CreateAsync(NewSession(tags: marker) with { Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["team"] = "x" } }, []).ConfigureAwait(false);

        var withUser = await ListAllAsync(Storage, new SessionQuery { Tag = marker, MetadataKey = "user" }).ConfigureAwait(false);
        var bobs = await ListAllAsync(Storage, new SessionQuery { Tag = marker, MetadataKey = "user", MetadataValue = "Bob" }).ConfigureAwait(false);
        var lowerBob = await ListAllAsync(Storage, new SessionQuery { Tag = marker, MetadataKey = "user", MetadataValue = "bob" }).ConfigureAwait(false);

        Assert.That(withUser.Select(s => s.Id), Is.EquivalentTo(new[] { alice.Id, bob.Id }));
        Assert.That(bobs.Select(s => s.Id), Is.EqualTo(new[] { bob.Id }));
        Assert.That(lowerBob, Is.Empty);
    }

    /// <summary>Checks that several filters combine with AND.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ListAsync_CombinedFilters_AllMustMatch()
    {
        string marker = NewMarker();
        var hit = await Storage.CreateAsync(NewSession(title: "Build plan", tags: marker) with { Kind = SessionKind.Plan, ProviderName = "openai" }, []).ConfigureAwait(false);
        await Storage.CreateAsync(NewSession(title: "Build plan", tags: marker) with { Kind = SessionKind.Plan, ProviderName = "anthropic" }, []).ConfigureAwait(false);
        await Storage.CreateAsync(NewSession(title: "Build chat", tags: marker) with { Kind = SessionKind.Chat, ProviderName = "openai" }, []).ConfigureAwait(false);
        await Storage.CreateAsync(NewSession(title: "Other", tags: marker) with { Kind = SessionKind.Plan, ProviderName = "openai" }, []).ConfigureAwait(false);

        var listed = await ListAllAsync(Storage, new SessionQuery { Tag = marker, TitleContains = "build", Kind = SessionKind.Plan, ProviderName = "openai" }).ConfigureAwait(false);

        Assert.That(listed.Select(s => s.Id), Is.EqualTo(new[] { hit.Id }));
    }

    /// <summary>Checks every sort field in both directions, with ties broken by id ascending.</summary>
    /// <param name="field">The sort field.</param>
    /// <param name="descending">Whether to sort descending.</param>
    /// <returns>A task that completes when the test is done.</returns>
    [TestCaseSource(nameof(SortCases))]
    public async Task ListAsync_OrderBy_SortsWithIdTieBreak(SessionSortField field, bool descending)
    {
        var (storage, clock) = await CreateClockedStorageAsync().ConfigureAwait(false);
        string marker = NewMarker();
        string prefix = NewId("sort");

        // a/b tie on every field; c and d differ, so both the order and the tie-break are checked.
        var specs = new (string Suffix, string Title, int Count, int Day, int Touch)[]
        {
            ("d", "alpha", 1, 1, 1),
            ("b", "Bravo", 2, 2, 2),
            ("a", "bravo", 2, 2, 2),
            ("c", "charlie", 5, 3, 3),
        };

        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            string id = $"{prefix}-{spec.Suffix}";
            ids[spec.Suffix] = id;
            await storage.CreateAsync(NewSession(id, spec.Title, marker) with { CreatedAt = BaseTime.AddDays(spec.Day) }, TextMessages(spec.Count)).ConfigureAwait(false);
        }

        if (field == SessionSortField.UpdatedAt)
        {
            // Appends move UpdatedAt; equal message counts keep the MessageCount tie intact.
            // a and b are touched at the same instant only when the clock is controlled; otherwise they just must be ordered as reported.
            foreach (var group in specs.GroupBy(s => s.Touch).OrderBy(g => g.Key))
            {
                await TickAsync(clock).ConfigureAwait(false);
                foreach (var spec in group)
                {
                    await storage.AppendMessagesAsync(ids[spec.Suffix], [TextMessage(ChatRole.User, "touch")]).ConfigureAwait(false);
                }
            }
        }

        var query = new SessionQuery { Tag = marker, OrderBy = field, Descending = descending };
        var listed = await ListAllAsync(storage, query).ConfigureAwait(false);

        Assert.That(listed, Has.Count.EqualTo(4));
        var reordered = query.OrderAndPage(listed).Select(s => s.Id).ToArray();
        Assert.That(listed.Select(s => s.Id).ToArray(), Is.EqualTo(reordered), "the order must follow the reported field values, ties by id ascending");

        string[] expected = descending ? ["c", "a", "b", "d"] : ["d", "a", "b", "c"];
        if (field != SessionSortField.UpdatedAt || clock is not null)
        {
            Assert.That(listed.Select(s => s.Id).ToArray(), Is.EqualTo(expected.Select(e => ids[e]).ToArray()));
        }
        else
        {
            Assert.That(listed[descending ? 0 : 3].Id, Is.EqualTo(ids["c"]));
            Assert.That(listed[descending ? 3 : 0].Id, Is.EqualTo(ids["d"]));
        }
    }

    /// <summary>Checks that the default query lists the most recently updated session first.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ListAsync_DefaultOrder_MostRecentlyUpdatedFirst()
    {
        var (storage, clock) = await CreateClockedStorageAsync().ConfigureAwait(false);
        string marker = NewMarker();
        var first = await storage.CreateAsync(NewSession(tags: marker), []).ConfigureAwait(false);
        var second = await storage.CreateAsync(NewSession(tags: marker), []).ConfigureAwait(false);
        await TickAsync(clock).ConfigureAwait(false);
        await storage.AppendMessagesAsync(second.Id, TextMessages(1)).ConfigureAwait(false);
        await TickAsync(clock).ConfigureAwait(false);
        await storage.AppendMessagesAsync(first.Id, TextMessages(1)).ConfigureAwait(false);

        var listed = await ListAllAsync(storage, SessionQuery.All with { Tag = marker }).ConfigureAwait(false);

        Assert.That(listed.Select(s => s.Id), Is.EqualTo(new[] { first.Id, second.Id }));
    }

    /// <summary>Checks skip and take: pages are stable, cover the listing exactly once, and past-the-end is empty.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ListAsync_SkipTake_PagesStably()
    {
        string marker = NewMarker();
        string prefix = NewId("page");
        var ids = new List<string>();
        for (int i = 0; i < 7; i++)
        {
            // Equal creation times for some, so the id tie-break decides.
            string id = $"{prefix}-{i}";
            ids.Add(id);
            await Storage.CreateAsync(NewSession(id, $"t{i}", marker) with { CreatedAt = BaseTime.AddHours(i / 2) }, []).ConfigureAwait(false);
        }

        var baseQuery = new SessionQuery { Tag = marker, OrderBy = SessionSortField.CreatedAt, Descending = false };
        var all = await ListAllAsync(Storage, baseQuery).ConfigureAwait(false);
        var pages = new List<string>();
        for (int skip = 0; skip < 7; skip += 3)
        {
            var page = await ListAllAsync(Storage, baseQuery with { Skip = skip, Take = 3 }).ConfigureAwait(false);
            Assert.That(page, Has.Count.EqualTo(Math.Min(3, 7 - skip)));
            pages.AddRange(page.Select(s => s.Id));
        }

        Assert.That(all.Select(s => s.Id), Is.EqualTo(ids));
        Assert.That(pages, Is.EqualTo(ids));
        Assert.That(await ListAllAsync(Storage, baseQuery with { Skip = 7 }).ConfigureAwait(false), Is.Empty);
        Assert.That(await ListAllAsync(Storage, baseQuery with { Take = 0 }).ConfigureAwait(false), Is.Empty);
        Assert.That((await ListAllAsync(Storage, baseQuery with { Skip = 5 }).ConfigureAwait(false)).Select(s => s.Id), Is.EqualTo(ids.Skip(5)));
    }

    /// <summary>Checks that a query matching nothing yields nothing.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ListAsync_NoMatch_ReturnsEmpty()
    {
        string marker = NewMarker();
        await Storage.CreateAsync(NewSession(tags: marker), []).ConfigureAwait(false);

        Assert.That(await ListAllAsync(Storage, new SessionQuery { Tag = NewMarker() }).ConfigureAwait(false), Is.Empty);
        Assert.That(await ListAllAsync(Storage, new SessionQuery { Tag = marker, TitleContains = "no-such-title-" + marker }).ConfigureAwait(false), Is.Empty);
    }

    /// <summary>Checks that a null query is rejected.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ListAsync_NullQuery_ThrowsArgumentNullException()
    {
        await ConformanceAssert.ThrowsAsync<ArgumentNullException>(() => ListAllAsync(Storage, null!)).ConfigureAwait(false);
    }
}
