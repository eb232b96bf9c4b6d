using Microsoft.Extensions.AI;
using NUnit.Framework;

namespace Sessions.Sdk.Testing;

public abstract partial class SessionStorageConformanceTests
{
    /// <summary>Checks that sessions, messages, versions and usage survive reopening the storage.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ReopenStorageAsync_AfterWrites_EverythingPersisted()
    {
        string marker = NewMarker();
        var usage = new SessionUsage { InputTokens = 11, OutputTokens = 22, TotalTokens = 33, Cost = 0.000123m, Requests = 1 };
        var rich = RichMessages();
        var session = NewSession(title: "Durable", tags: [marker, "x"]) with
        {
            Kind = SessionKind.Edit,
            Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["k"] = "v" },
            SystemPrompt = "sys",
            ProviderName = "p",
            ModelId = "m",
            ParentSessionId = NewId("parent"),
            BranchedAtSequence = 3,
        };
        var created = await Storage.CreateAsync(session, rich).ConfigureAwait(false);
        await Storage.AppendMessagesAsync(created.Id, [TextMessage(ChatRole.Assistant, "paid", usage: usage)]).ConfigureAwait(false);
        var updated = await Storage.UpdateAsync(created with { Title = "Durable 2" }).ConfigureAwait(false);
        var replacedSession = await Storage.CreateAsync(NewSession(tags: marker), TextMessages(5)).ConfigureAwait(false);
        var replaced = await Storage.ReplaceMessagesAsync(replacedSession.Id, TextMessages(2, "r"), replacedSession.Version).ConfigureAwait(false);
        var deleted = await Storage.CreateAsync(NewSession(tags: marker), TextMessages(1)).ConfigureAwait(false);
        await Storage.DeleteAsync(deleted.Id).ConfigureAwait(false);
        var before = await Storage.GetAsync(created.Id).ConfigureAwait(false);

        var reopened = await ReopenStorageAsync(Storage).ConfigureAwait(false);
        lock (_created) _created.Add(reopened);

        var after = await reopened.GetAsync(created.Id).ConfigureAwait(false);
        var messages = await ReadAllAsync(created.Id, reopened).ConfigureAwait(false);
        var listed = await ListAllAsync(reopened, new SessionQuery { Tag = marker }).ConfigureAwait(false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(after, Is.Not.Null);
            Assert.That(after!.Title, Is.EqualTo("Durable 2"));
            Assert.That(after.Version, Is.EqualTo(updated.Version));
            Assert.That(after.MessageCount, Is.EqualTo(rich.Length + 1));
            Assert.That(after.Usage, Is.EqualTo(usage));
            Assert.That(after.UpdatedAt, Is.EqualTo(before!.UpdatedAt));
            Assert.That(after.CreatedAt, Is.EqualTo(session.CreatedAt));
            Assert.That(after.Kind, Is.EqualTo(SessionKind.Edit));
            Assert.That(after.Tags, Is.EqualTo(session.Tags));
            Assert.That(after.Metadata, Is.EquivalentTo(session.Metadata));
            Assert.That(after.SystemPrompt, Is.EqualTo("sys"));
            Assert.That(after.ProviderName, Is.EqualTo("p"));
            Assert.That(after.ModelId, Is.EqualTo("m"));
            Assert.That(after.ParentSessionId, Is.EqualTo(session.ParentSessionId));
            Assert.That(after.BranchedAtSequence, Is.EqualTo(3));
            Assert.That(messages.Take(rich.Length).Select(m => ChatMessageJson(m.Message)), Is.EqualTo(rich.Select(m => ChatMessageJson(m.Message))));
            Assert.That(messages[^1].Usage, Is.EqualTo(usage));
            Assert.That(listed.Select(s => s.Id), Is.EquivalentTo(new[] { created.Id, replacedSession.Id }));
            Assert.That(await reopened.ExistsAsync(deleted.Id).ConfigureAwait(false), Is.False);
            Assert.That((await ReadAllAsync(replacedSession.Id, reopened).ConfigureAwait(false)).Select(m => m.Text), Is.EqualTo(new[] { "r1", "r2" }));
            Assert.That((await reopened.GetAsync(replacedSession.Id).ConfigureAwait(false))!.Version, Is.EqualTo(replaced.Version));
        }

        AssertRichContents(messages);
    }

    /// <summary>Checks that numbering and optimistic concurrency continue correctly after reopening the storage.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task ReopenStorageAsync_ThenWrite_ContinuesNumberingAndVersions()
    {
        var created = await CreateWithMessagesAsync(3).ConfigureAwait(false);
        var updated = await Storage.UpdateAsync(created with { Title = "v2" }).ConfigureAwait(false);

        var reopened = await ReopenStorageAsync(Storage).ConfigureAwait(false);
        lock (_created) _created.Add(reopened);

        var appended = await reopened.AppendMessagesAsync(created.Id, TextMessages(2, "a")).ConfigureAwait(false);
        AssertSequences(appended, 4, 5);
        await ConformanceAssert.ThrowsAsync<SessionConcurrencyException>(() => reopened.UpdateAsync(created with { Title = "stale" }).AsTask()).ConfigureAwait(false);
        var again = await reopened.UpdateAsync(updated with { Title = "v3" }).ConfigureAwait(false);
        Assert.That(again.Version, Is.EqualTo(updated.Version + 2 + 1), "two appends and one edit since 'updated'");
        await ConformanceAssert.ThrowsAsync<SessionAlreadyExistsException>(() => reopened.CreateAsync(NewSession(created.Id), []).AsTask()).ConfigureAwait(false);
        Assert.That((await ReadAllAsync(created.Id, reopened).ConfigureAwait(false)).Select(m => m.Text), Is.EqualTo(new[] { "m1", "m2", "m3", "a1", "a2" }));
    }
}
