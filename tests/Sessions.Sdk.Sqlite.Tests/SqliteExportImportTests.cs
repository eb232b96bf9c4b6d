using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Tests;

/// <summary>Export and import on the SQLite store: lossless Json round trip between two databases, all or nothing on a bad bundle.</summary>
public sealed class SqliteExportImportTests : SqliteDatabaseTests
{
    private static readonly DateTimeOffset Created = new(2026, 1, 15, 10, 30, 0, TimeSpan.Zero);
    [Test]
    public async Task ExportThenImport_IntoAnotherDatabase_KeepsMessagesUsageAndMetadata()
    {
        await using var source = Manager(Database.ConnectionStringFor("source.db"), out var sessions);
        await using var target = Manager(Database.ConnectionStringFor("target.db"), out var other);
        var original = await sessions.Storage.CreateAsync(Info("s1"), Messages());
        using var stream = new MemoryStream();

        await sessions.ExportAsync("s1", stream, new SessionExportOptions { Format = SessionExportFormat.Json });
        var result = await other.ImportAsync(new MemoryStream(stream.ToArray()));

        var imported = result.Sessions.Single();
        Assert.That(imported.Id, Is.EqualTo("s1"));
        Assert.That(imported.Usage, Is.EqualTo(original.Usage));
        Assert.That(imported.Tags, Is.EqualTo(original.Tags));
        Assert.That(imported.Metadata.Where(p => !p.Key.StartsWith("import.", StringComparison.Ordinal)), Is.EquivalentTo(original.Metadata));
        var before = await sessions.Storage.GetMessagesAsync("s1", MessageRange.All);
        var after = await other.Storage.GetMessagesAsync("s1", MessageRange.All);
        Assert.That(after.Select(SessionJson.SerializeMessageToString), Is.EqualTo(before.Select(SessionJson.SerializeMessageToString)));
    }

    [Test]
    public async Task ImportAsync_BundleWithOneBadSession_StoresNothing()
    {
        await using var host = Manager(Database.ConnectionString, out var sessions);
        await sessions.Storage.CreateAsync(Info("a"), Messages());
        await sessions.Storage.CreateAsync(Info("b"), Messages());
        using var bundle = new MemoryStream();
        await sessions.ExportAsync(SessionQuery.All, bundle);
        var bad = Encoding.UTF8.GetString(bundle.ToArray()).Replace("\"role\":\"assistant\"", "\"role\":\"\"", StringComparison.Ordinal);
        await sessions.DeleteAsync("a");
        await sessions.DeleteAsync("b");

        Assert.That(async () => await sessions.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(bad))), Throws.InstanceOf<SessionFormatException>().With.Message.Contains("msg.role"));
        Assert.That(await sessions.ListAsync().CountAsync(), Is.Zero);
    }

    private static ServiceProvider Manager(string connectionString, out ISessionManager sessions)
    {
        var services = new ServiceCollection();
        services.AddSessions().UseSqliteStorage(connectionString);
        var provider = services.BuildServiceProvider();
        sessions = provider.GetRequiredService<ISessionManager>();
        return provider;
    }

    private static SessionInfo Info(string id) => new()
    {
        Id = id,
        Title = "Title " + id,
        Tags = ["support"],
        Metadata = new Dictionary<string, string> { ["customer"] = "42" },
        CreatedAt = Created,
        UpdatedAt = Created,
    };

    private static SessionMessage[] Messages() =>
    [
        new() { Timestamp = Created, Message = new ChatMessage(ChatRole.User, "Where is my order?"), Pinned = true },
        new()
        {
            Timestamp = Created.AddSeconds(3),
            Message = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "lookup", new Dictionary<string, object?> { ["order"] = 7 })]),
            ModelId = "gpt-4o-mini",
            Usage = new SessionUsage { InputTokens = 5, OutputTokens = 2, TotalTokens = 7, Cost = 0.001m, Requests = 1 },
        },
        new() { Timestamp = Created.AddSeconds(4), Message = new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", "shipped")]) },
    ];
}
