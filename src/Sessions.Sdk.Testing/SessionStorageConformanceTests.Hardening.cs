using System.Text.Json;
using Microsoft.Extensions.AI;
using NUnit.Framework;

namespace Sessions.Sdk.Testing;

/// <summary>The store rules every store shares: what it accepts it reads back exactly, what it cannot keep it refuses at the call,
/// and a replacement never drops an acknowledged append.</summary>
public abstract partial class SessionStorageConformanceTests
{
    /// <summary>Checks that tags are trimmed, empty ones dropped and duplicates (ignoring case) removed the same way in every store.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task CreateAndUpdate_Tags_NormalizedTheSameInEveryStore()
    {
        var created = await Storage.CreateAsync(NewSession(null, "tags", " red ", "Red", "", "  ", "blue", "red", "BLUE ", "green"), []).ConfigureAwait(false);
        Assert.That(created.Tags, Is.EqualTo(new[] { "red", "blue", "green" }));
        Assert.That((await Storage.GetAsync(created.Id).ConfigureAwait(false))!.Tags, Is.EqualTo(new[] { "red", "blue", "green" }));
        var updated = await Storage.UpdateAsync(created with { Tags = ["x", " X", "y "] }).ConfigureAwait(false);
        Assert.That(updated.Tags, Is.EqualTo(new[] { "x", "y" }));
        Assert.That((await Storage.GetAsync(created.Id).ConfigureAwait(false))!.Tags, Is.EqualTo(new[] { "x", "y" }));
    }

    /// <summary>Checks that 100,000 tags are normalized in linear time and kept (issue 9: quadratic deduplication took 28-60 s).</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task CreateAsync_HundredThousandTags_KeptInOrder()
    {
        var tags = Enumerable.Range(0, 100_000).Select(i => "t" + i).Concat(["T5", "t7"]).ToArray();
        var created = await Storage.CreateAsync(NewSession(null, "many tags", tags), []).ConfigureAwait(false);
        var fetched = await Storage.GetAsync(created.Id).ConfigureAwait(false);
        Assert.That(fetched!.Tags, Has.Count.EqualTo(100_000));
        Assert.That(fetched.Tags[99_999], Is.EqualTo("t99999"));
    }

    /// <summary>Checks that a message nested deeper than a stored record may hold is refused at the call with an
    /// <see cref="ArgumentException"/> naming the parameter and the field, and nothing is stored (issue 9, items 1 and 8).</summary>
    /// <param name="asJsonElement">Whether the nesting is a <see cref="JsonElement"/> rather than dictionaries.</param>
    /// <returns>A task that completes when the test is done.</returns>
    [TestCase(false)]
    [TestCase(true)]
    public async Task AppendMessagesAsync_NestedTooDeep_RefusedAndNothingStored(bool asJsonElement)
    {
        var created = await Storage.CreateAsync(NewSession(), [TextMessage(ChatRole.User, "before")]).ConfigureAwait(false);
        foreach (int depth in new[] { 62, 1000 })
        {
            var message = new ChatMessage(ChatRole.User, "deep") { AdditionalProperties = new() { ["deep"] = Nested(depth, asJsonElement) } };
            var ex = await ConformanceAssert.ThrowsAsync<ArgumentException>(async () => await Storage.AppendMessagesAsync(created.Id, [new SessionMessage { Message = message, Timestamp = BaseTime }]).ConfigureAwait(false)).ConfigureAwait(false);
            Assert.That(ex!.ParamName, Is.EqualTo("messages"));
            Assert.That(ex.Message, Does.Contain("AdditionalProperties['deep']"));
        }

        var call = new FunctionCallContent("c1", "tool", new Dictionary<string, object?> { ["a"] = Nested(70, asJsonElement) });
        await ConformanceAssert.ThrowsAsync<ArgumentException>(async () => await Storage.AppendMessagesAsync(created.Id, [new SessionMessage { Message = new ChatMessage(ChatRole.Assistant, [call]), Timestamp = BaseTime }]).ConfigureAwait(false)).ConfigureAwait(false);
        var stored = await Storage.GetMessagesAsync(created.Id, MessageRange.All).ConfigureAwait(false);
        Assert.That(stored.Select(m => m.Text), Is.EqualTo(new[] { "before" }));
        Assert.That((await Storage.GetAsync(created.Id).ConfigureAwait(false))!.MessageCount, Is.EqualTo(1));
    }

    /// <summary>Checks that nesting up to the documented limit is accepted and reads back exactly, on every read path.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task AppendMessagesAsync_NestedToTheLimit_ReadsBackExactly()
    {
        var created = await Storage.CreateAsync(NewSession(), []).ConfigureAwait(false);
        var value = Nested(40, asJsonElement: true);
        var message = new ChatMessage(ChatRole.User, "deep but fine") { AdditionalProperties = new() { ["deep"] = value } };
        await Storage.AppendMessagesAsync(created.Id, [new SessionMessage { Message = message, Timestamp = BaseTime }]).ConfigureAwait(false);

        var reopened = await ReopenStorageAsync(Storage).ConfigureAwait(false);
        lock (_created) _created.Add(reopened);
        foreach (var range in new[] { MessageRange.All, MessageRange.Last(1) })
        {
            var read = (await reopened.GetMessagesAsync(created.Id, range).ConfigureAwait(false)).Single();
            Assert.That(JsonSerializer.Serialize(read.Message.AdditionalProperties!["deep"]), Is.EqualTo(JsonSerializer.Serialize(value)));
        }

        Assert.That(await reopened.ListAsync(SessionQuery.All).CountAsync().ConfigureAwait(false), Is.GreaterThanOrEqualTo(1));
    }

    /// <summary>Checks that an unpaired UTF-16 surrogate is refused, naming the field, in every field a store keeps (issue 9, item 7),
    /// while a valid pair round-trips exactly.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task LoneSurrogates_RefusedNamingTheField_PairsRoundTrip()
    {
        const string lone = "a\uD800b";
        var created = await Storage.CreateAsync(NewSession(), []).ConfigureAwait(false);
        var cases = new (Func<Task> Call, string Field)[]
        {
            (() => Storage.AppendMessagesAsync(created.Id, [TextMessage(ChatRole.User, lone)]).AsTask(), "Contents[0].Text"),
            (() => Storage.AppendMessagesAsync(created.Id, [TextMessage(new ChatRole("r\uDC00"), "x")]).AsTask(), ".Role"),
            (() => Storage.AppendMessagesAsync(created.Id, [new SessionMessage { Message = new ChatMessage(ChatRole.User, "x") { AdditionalProperties = new() { ["k"] = lone } }, Timestamp = BaseTime }]).AsTask(), "AdditionalProperties['k']"),
            (() => Storage.CreateAsync(NewSession(null, lone), []).AsTask(), "Title"),
            (() => Storage.CreateAsync(NewSession(null, "t", lone), []).AsTask(), "Tags[0]"),
            (() => Storage.UpdateAsync(created with { Metadata = new Dictionary<string, string> { ["k"] = lone } }).AsTask(), "Metadata['k']"),
            (() => Storage.UpdateAsync(created with { Metadata = new Dictionary<string, string> { [lone] = "v" } }).AsTask(), "Metadata key"),
            (() => Storage.ReplaceMessagesAsync(created.Id, [TextMessage(ChatRole.User, lone)], created.Version).AsTask(), "Contents[0].Text"),
        };
        foreach (var (call, field) in cases)
        {
            var ex = await ConformanceAssert.ThrowsAsync<ArgumentException>(async () => await call().ConfigureAwait(false)).ConfigureAwait(false);
            Assert.That(ex!.Message, Does.Contain(field).And.Contain("surrogate"));
        }

        const string pair = "emoji \uD83D\uDE00 and U+FFFD \uFFFD";
        await Storage.AppendMessagesAsync(created.Id, [TextMessage(ChatRole.User, pair)]).ConfigureAwait(false);
        var reopened = await ReopenStorageAsync(Storage).ConfigureAwait(false);
        lock (_created) _created.Add(reopened);
        Assert.That((await reopened.GetMessagesAsync(created.Id, MessageRange.All).ConfigureAwait(false)).Single().Text, Is.EqualTo(pair));
        Assert.That((await reopened.GetAsync(created.Id).ConfigureAwait(false))!.MessageCount, Is.EqualTo(1));
    }

    /// <summary>Checks the race of issue 9 item 2 step by step: read the version and the tail, another writer appends (acknowledged),
    /// then the replacement based on the old read fails instead of dropping the append.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ReplaceMessagesAsync_AfterAnAcknowledgedAppend_ConflictsAndKeepsIt()
    {
        var created = await Storage.CreateAsync(NewSession(), TextMessages(7, "w")).ConfigureAwait(false);
        var read = await Storage.GetAsync(created.Id).ConfigureAwait(false);
        var kept = await Storage.GetMessagesAsync(created.Id, MessageRange.Last(5)).ConfigureAwait(false);

        var acknowledged = await Storage.AppendMessagesAsync(created.Id, [TextMessage(ChatRole.User, "w8")]).ConfigureAwait(false);
        Assert.That(acknowledged.Single().Sequence, Is.EqualTo(8));

        var ex = await ConformanceAssert.ThrowsAsync<SessionConcurrencyException>(async () => await Storage.ReplaceMessagesAsync(created.Id, kept, read!.Version).ConfigureAwait(false)).ConfigureAwait(false);
        Assert.That(ex!.ActualVersion, Is.GreaterThan(read!.Version));
        var texts = (await Storage.GetMessagesAsync(created.Id, MessageRange.All).ConfigureAwait(false)).Select(m => m.Text).ToArray();
        Assert.That(texts, Does.Contain("w8"));
        Assert.That(texts, Has.Length.EqualTo(8));
    }

    /// <summary>Checks that truncations racing appends from other tasks never lose an acknowledged append: each append either lands
    /// before a truncation that kept it, or after it (RELIABILITY.md "Replace racing appends", the conformance-sized part).</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ReplaceMessagesAsync_RacingAppends_NoAcknowledgedAppendLost()
    {
        var created = await Storage.CreateAsync(NewSession(), TextMessages(3, "seed")).ConfigureAwait(false);
        var stats = await RaceReplaceAgainstAppendsAsync(Storage, created.Id, races: 40, cancellationToken: default).ConfigureAwait(false);
        Assert.That(stats.Lost, Is.Zero, stats.ToString());
        Assert.That(stats.Replaced, Is.GreaterThan(0), stats.ToString());
    }

    /// <summary>Figures of a replace-racing-appends run.</summary>
    /// <param name="Races">Replacement attempts.</param>
    /// <param name="Replaced">Replacements that went through.</param>
    /// <param name="Conflicts">Replacements refused because an append came in between (retried).</param>
    /// <param name="Appends">Acknowledged appends.</param>
    /// <param name="Lost">Acknowledged appends missing although no replacement based on a read that included them removed them.</param>
    public readonly record struct RaceFigures(int Races, int Replaced, int Conflicts, int Appends, int Lost);

    /// <summary>Runs truncations ("keep what I read, nothing else") against concurrent appends and counts acknowledged appends lost.</summary>
    /// <param name="storage">The storage.</param>
    /// <param name="sessionId">An existing session.</param>
    /// <param name="races">How many truncations to attempt.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The figures.</returns>
    public static async Task<RaceFigures> RaceReplaceAgainstAppendsAsync(ISessionStorage storage, string sessionId, int races, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        int replaced = 0, conflicts = 0;
        var acknowledged = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var dropped = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                string text = $"w{w}-{i}";
                await storage.AppendMessagesAsync(sessionId, [TextMessage(ChatRole.User, text)], CancellationToken.None).ConfigureAwait(false);
                acknowledged.Enqueue(text);

                // Paced, so some replacements find a quiet moment; the others conflict, which is the point.
                await Task.Delay(i % 3, CancellationToken.None).ConfigureAwait(false);
            }
        }, CancellationToken.None)).ToArray();
        try
        {
            for (int r = 0; r < races; r++)
            {
                // Truncate to the last 2 of what was read: everything read but not kept is dropped on purpose, and counted as such.
                var info = await storage.GetAsync(sessionId, cancellationToken).ConfigureAwait(false);
                var all = await storage.GetMessagesAsync(sessionId, MessageRange.All, cancellationToken).ConfigureAwait(false);
                await Task.Yield();
                var kept = all.Skip(Math.Max(0, all.Count - 2)).ToArray();
                try
                {
                    await storage.ReplaceMessagesAsync(sessionId, kept, info!.Version, cancellationToken).ConfigureAwait(false);
                    foreach (var m in all.Take(all.Count - kept.Length)) dropped[m.Text] = true;
                    replaced++;
                }
                catch (SessionConcurrencyException)
                {
                    conflicts++;
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(writers).ConfigureAwait(false);
        }

        var present = (await storage.GetMessagesAsync(sessionId, MessageRange.All, cancellationToken).ConfigureAwait(false)).Select(m => m.Text).ToHashSet(StringComparer.Ordinal);
        int lost = acknowledged.Count(text => !present.Contains(text) && !dropped.ContainsKey(text));
        return new RaceFigures(races, replaced, conflicts, acknowledged.Count, lost);
    }

    private static object Nested(int depth, bool asJsonElement)
    {
        if (asJsonElement)
        {
            var json = string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = depth + 1 });
            return document.RootElement.Clone();
        }

        object value = 1;
        for (int i = 0; i < depth; i++) value = new Dictionary<string, object?> { ["a"] = value };
        return value;
    }
}
