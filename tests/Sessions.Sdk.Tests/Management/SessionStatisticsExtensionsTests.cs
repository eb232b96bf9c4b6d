using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

[TestFixture(CoreStoreKind.Memory)]
[TestFixture(CoreStoreKind.File)]
public sealed class SessionStatisticsExtensionsTests(CoreStoreKind store)
{
    [Test]
    public async Task GetStatisticsAsync_TotalsGroupsDaysAndMostActive_TrashedLeftOut()
    {
        using var host = new ManagementTestHost(store);
        var sessions = host.Sessions;
        var usage = new SessionUsage { InputTokens = 100, OutputTokens = 50, TotalTokens = 150, Cost = 0.01m, Requests = 1 };
        var a = await sessions.Create("a").WithProvider("openai", "gpt-4o").CreateAsync();
        await a.AddMessagesAsync([new ChatMessage(ChatRole.User, "q1"), new ChatMessage(ChatRole.User, "q2"), new ChatMessage(ChatRole.User, "q3")]);
        await sessions.Storage.AppendMessagesAsync("a", [new SessionMessage { Message = new ChatMessage(ChatRole.Assistant, "r"), Timestamp = host.Time.GetUtcNow(), Usage = usage }]);
        host.Time.Advance(TimeSpan.FromDays(1));
        var b = await sessions.Create("b").WithProvider("openai", "gpt-4o").CreateAsync();
        await sessions.Storage.AppendMessagesAsync("b", [new SessionMessage { Message = new ChatMessage(ChatRole.Assistant, "r"), Timestamp = host.Time.GetUtcNow(), Usage = usage }]);
        await sessions.Create("c").WithProvider("anthropic", "claude").WithMessages(new ChatMessage(ChatRole.User, "x")).CreateAsync();
        await sessions.Create("gone").WithMessages(Enumerable.Range(0, 9).Select(i => new ChatMessage(ChatRole.User, $"m{i}"))).CreateAsync();
        await sessions.DeleteAsync("gone");

        SessionsStatistics st = await sessions.GetStatisticsAsync(mostActive: 2);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(st.Sessions, Is.EqualTo(3));
            Assert.That(st.Messages, Is.EqualTo(4 + 1 + 1));
            Assert.That(st.Usage.TotalTokens, Is.EqualTo(300));
            Assert.That(st.Usage.Cost, Is.EqualTo(0.02m));
            Assert.That(st.Usage.Requests, Is.EqualTo(2));
            Assert.That(st.SizeBytes, store == CoreStoreKind.File ? Is.Positive : Is.Zero);
            Assert.That(st.ByProviderAndModel.Select(g => (g.ProviderName, g.ModelId, g.Sessions, g.Messages, g.Usage.TotalTokens)),
                Is.EqualTo(new[] { ("openai", "gpt-4o", 2L, 5L, 300L), ("anthropic", "claude", 1L, 1L, 0L) }));
            Assert.That(st.ActivityByDay.Select(d => (d.Day, d.SessionsCreated, d.SessionsUpdated)),
                Is.EqualTo(new[] { (new DateOnly(2026, 1, 10), 1L, 1L), (new DateOnly(2026, 1, 11), 2L, 2L) }));
            Assert.That(st.MostActive.Select(s => s.Id), Is.EqualTo(new[] { "a", "b" }));
        }

        var since = await sessions.GetStatisticsAsync(new SessionQuery { UpdatedAfter = new DateTimeOffset(2026, 1, 11, 0, 0, 0, TimeSpan.Zero) });
        Assert.That(since.Sessions, Is.EqualTo(2));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => sessions.GetStatisticsAsync(mostActive: -1));
    }

    [Test]
    public void Fold_Empty_IsEmpty()
    {
        var st = SessionsStatisticsCalculator.Fold([], 5);

        Assert.That(st.Sessions, Is.Zero);
        Assert.That(st.ByProviderAndModel, Is.Empty);
        Assert.That(st.MostActive, Is.Empty);
    }
}
