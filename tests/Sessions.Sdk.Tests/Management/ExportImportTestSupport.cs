using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

/// <summary>Helpers shared by the export and import tests.</summary>
internal static class ExportImportTestSupport
{
    public static async Task<SessionInfo> SeedAsync(ISessionManager sessions, string id = "golden-1", string title = "Golden session", IReadOnlyList<SessionMessage>? messages = null)
    {
        var info = FormatTestData.Info(id, title) with { ParentSessionId = null, BranchedAtSequence = null };
        return await sessions.Storage.CreateAsync(info, messages ?? FormatTestData.Messages());
    }

    public static async Task<byte[]> ExportAsync(ISessionManager sessions, string id, SessionExportFormat format, ISessionRedactor? redactor = null)
    {
        using var stream = new MemoryStream();
        await sessions.ExportAsync(id, stream, new SessionExportOptions { Format = format, Redactor = redactor });
        return stream.ToArray();
    }

    public static async Task<string[]> ListIdsAsync(ISessionManager sessions) =>
        [.. (await sessions.ListAsync().ToListAsync()).Select(i => i.Id).Order(StringComparer.Ordinal)];

    public static Dictionary<string, string> WithoutProvenance(IReadOnlyDictionary<string, string> metadata) =>
        metadata.Where(p => !p.Key.StartsWith("import.", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    public static SessionMessage Text(ChatRole role, string text, int second) =>
        new() { Timestamp = FormatTestData.Created.AddSeconds(second), Message = new ChatMessage(role, text) };
}

/// <summary>Runs a test fixture once per core store (memory, file) with a fresh host per test: the setup the export and import tests share.</summary>
/// <param name="store">The store the fixture runs on.</param>
public abstract class CoreStoreFixture(CoreStoreKind store)
{
    /// <summary>Gets the store the fixture runs on.</summary>
    protected CoreStoreKind Store => store;

    /// <summary>Gets the host of the current test.</summary>
    private protected CoreTestHost Host { get; private set; } = null!;

    /// <summary>Gets the session manager of the current test's host.</summary>
    protected ISessionManager Sessions => Host.Sessions;

    [SetUp]
    public void CreateHost() => Host = new CoreTestHost(store: store);

    [TearDown]
    public void DisposeHost() => Host.Dispose();
}
