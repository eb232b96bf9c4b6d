using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>A turn whose model has no known price shows as unknown everywhere (usage, statistics, exports), never as $0.</summary>
public sealed class UnknownPriceTests
{
    private static readonly SessionUsage Priced = new() { InputTokens = 100, OutputTokens = 50, TotalTokens = 150, Cost = 0.01m, Requests = 1 };
    private static readonly SessionUsage Unpriced = new() { InputTokens = 10, OutputTokens = 5, TotalTokens = 15, Requests = 2, UnpricedRequests = 2 };

    [Test]
    public async Task SendAsync_ModelWithoutPrice_StoresTheTurnAsUnpriced_AndTheSessionCostStaysUnknown()
    {
        var client = new ScriptedChatClient("mystery-model");
        client.EnqueueText("hi", new UsageDetails { InputTokenCount = 12, OutputTokenCount = 3 });
        var services = new ServiceCollection();
        services.AddSessions().UseMemoryStorage().AddChatProvider("local", client, "mystery-model");
        await using var provider = services.BuildServiceProvider();
        var sessions = provider.GetRequiredService<ISessionManager>();
        var session = await sessions.Create("s").CreateAsync();

        await session.SendAsync("hello");

        var all = await session.GetMessagesAsync();
        var reply = all[^1];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(reply.Usage!.UnpricedRequests, Is.EqualTo(1));
            Assert.That(reply.Usage.Cost, Is.Zero);
            Assert.That(session.Usage.UnpricedRequests, Is.EqualTo(1));
            Assert.That(session.Usage.TotalTokens, Is.EqualTo(15));
            Assert.That((await sessions.GetStatisticsAsync()).Usage.UnpricedRequests, Is.EqualTo(1));
        }
    }

    [Test]
    public async Task SendAsync_DemoProvider_IsKnownToBeFree()
    {
        var services = new ServiceCollection();
        services.AddSessions(o => o.DefaultProvider = "demo").UseMemoryStorage().AddDemoProvider();
        await using var provider = services.BuildServiceProvider();
        var session = await provider.GetRequiredService<ISessionManager>().Create("d").CreateAsync();

        await session.SendAsync("hello");

        Assert.That((session.Usage.Requests, session.Usage.UnpricedRequests, session.Usage.Cost), Is.EqualTo((1, 0, 0m)));
    }

    [Test]
    public void Add_SumsUnpricedRequests()
    {
        var sum = Priced.Add(Unpriced).Add(Unpriced);

        Assert.That((sum.Requests, sum.UnpricedRequests, sum.Cost), Is.EqualTo((5, 4, 0.01m)));
    }

    [Test]
    public void WriteUsage_WritesUnpricedOnlyWhenThereAreSome_AndReadUsageReadsIt()
    {
        static string Write(SessionUsage usage)
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream)) SessionJson.WriteUsage(writer, usage);
            return Encoding.UTF8.GetString(stream.ToArray());
        }

        static SessionUsage Read(string json)
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
            reader.Read();
            return SessionJson.ReadUsage(ref reader);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Write(Priced), Is.EqualTo("{\"in\":100,\"out\":50,\"total\":150,\"cost\":0.01,\"requests\":1}"), "records of priced usage are unchanged");
            Assert.That(Write(Unpriced), Does.EndWith(",\"requests\":2,\"unpriced\":2}"));
            Assert.That(Read(Write(Unpriced)), Is.EqualTo(Unpriced));
            Assert.That(Read("{\"in\":1,\"out\":2,\"total\":3,\"cost\":0.5,\"requests\":1}").UnpricedRequests, Is.Zero, "older records read as fully priced");
        }
    }

    [Test]
    public void Fold_SumsUnpricedRequestsInTotalsAndGroups()
    {
        SessionInfo Info(string id, string model, SessionUsage usage) => new()
        {
            Id = id, ProviderName = "p", ModelId = model, CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch, Usage = usage,
        };

        var st = SessionsStatisticsCalculator.Fold([Info("a", "priced", Priced), Info("b", "local", Unpriced), Info("c", "local", Unpriced)], 0);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(st.Usage.UnpricedRequests, Is.EqualTo(4));
            Assert.That(st.Usage.Cost, Is.EqualTo(0.01m));
            Assert.That(st.ByProviderAndModel.Single(g => g.ModelId == "local").Usage.UnpricedRequests, Is.EqualTo(4));
            Assert.That(st.ByProviderAndModel.Single(g => g.ModelId == "priced").Usage.UnpricedRequests, Is.Zero);
        }
    }

    [TestCase(0, 0, 0, "0 cost")]
    [TestCase(1, 0, 0.25, "0.25 cost")]
    [TestCase(3, 3, 0, "cost unknown for 3 requests")]
    [TestCase(1, 1, 0, "cost unknown for 1 request")]
    [TestCase(3, 1, 0.25, "0.25 cost + unknown for 1 request")]
    public void CostText_NeverShowsAnUnknownCostAsZero(int requests, int unpriced, decimal cost, string expected) =>
        Assert.That(ExportTranscript.CostText(new SessionUsage { Requests = requests, UnpricedRequests = unpriced, Cost = cost }), Is.EqualTo(expected));

    [TestCase(SessionExportFormat.Text)]
    [TestCase(SessionExportFormat.Markdown)]
    [TestCase(SessionExportFormat.Html)]
    public async Task ExportAsync_UnpricedTurns_SayTheCostIsUnknown(SessionExportFormat format)
    {
        var services = new ServiceCollection();
        services.AddSessions().UseMemoryStorage();
        await using var provider = services.BuildServiceProvider();
        var sessions = provider.GetRequiredService<ISessionManager>();
        await sessions.Storage.CreateAsync(
            new SessionInfo { Id = "x", Title = "t", CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch },
            [
                new SessionMessage { Message = new ChatMessage(ChatRole.User, "q"), Timestamp = DateTimeOffset.UnixEpoch },
                new SessionMessage { Message = new ChatMessage(ChatRole.Assistant, "a"), Timestamp = DateTimeOffset.UnixEpoch, ModelId = "local", Usage = Unpriced },
            ]);

        var text = Encoding.UTF8.GetString(await ExportImportTestSupport.ExportAsync(sessions, "x", format));

        Assert.That(text, Does.Contain("cost unknown for 2 requests"));
        Assert.That(text, Does.Contain("cost unknown"), "the message itself says so");
        Assert.That(text, Does.Not.Contain(" 0 cost"));
    }

    [Test]
    public async Task ExportThenImport_Json_KeepsUnpricedRequests()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseMemoryStorage();
        await using var provider = services.BuildServiceProvider();
        var sessions = provider.GetRequiredService<ISessionManager>();
        await sessions.Storage.CreateAsync(
            new SessionInfo { Id = "x", CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch },
            [new SessionMessage { Message = new ChatMessage(ChatRole.Assistant, "a"), Timestamp = DateTimeOffset.UnixEpoch, Usage = Unpriced }]);
        using var stream = new MemoryStream(await ExportImportTestSupport.ExportAsync(sessions, "x", SessionExportFormat.Json));

        var result = await sessions.ImportAsync(stream, new SessionImportOptions { NewId = true });

        var imported = result.Sessions.Single();
        var messages = await sessions.Storage.GetMessagesAsync(imported.Id, MessageRange.All);
        Assert.That(messages.Single().Usage, Is.EqualTo(Unpriced));
        Assert.That((await sessions.Storage.GetAsync(imported.Id))!.Usage.UnpricedRequests, Is.EqualTo(2));
    }
}
