using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>The file store's Json export copies message records as stored (no message materialized): the same document as a
/// parse and a fresh write, damage still reported, and never used through a decorator.</summary>
public sealed class FileStoreExportTests
{
    private ManagementTestHost _host = null!;

    [SetUp]
    public void CreateHost() => _host = new ManagementTestHost(CoreStoreKind.File);

    [TearDown]
    public void DisposeHost() => _host.Dispose();

    [Test]
    public async Task ExportAsync_Json_FromTheFileStore_IsByteForByteTheDocumentOfTheMessagesReadBack()
    {
        Assert.That(_host.Sessions.Storage, Is.InstanceOf<FileSessionStorage>(), "the store itself, so the copying path is the one under test");

        // Every kind of content (tool calls and results, usage, pinned, provider/model), then enough plain messages to span several pages.
        var messages = FormatTestData.Messages().Concat(Enumerable.Range(0, 1_100).Select(i =>
            ExportImportTestSupport.Text(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, $"message {i} \"quoted\" \u00e9\u6f22 \U0001F600", 100 + i))).ToList();
        await ExportImportTestSupport.SeedAsync(_host.Sessions, "long", "Long session", messages);

        var exported = await ExportImportTestSupport.ExportAsync(_host.Sessions, "long", SessionExportFormat.Json);

        var info = await _host.Sessions.Storage.GetAsync("long");
        var readBack = await _host.Sessions.Storage.GetMessagesAsync("long", MessageRange.All);
        using var expected = new MemoryStream();
        await using (var writer = new SessionFormatWriter(expected, bundle: false, leaveOpen: true))
        {
            await writer.WriteSessionAsync(info!, readBack);
            await writer.CompleteAsync();
        }

        Assert.That(Encoding.UTF8.GetString(exported), Is.EqualTo(Encoding.UTF8.GetString(expected.ToArray())));
        var read = await SessionFormat.ReadAsync(new MemoryStream(exported));
        Assert.That(read[0].Messages.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(1, messages.Count).Select(i => (long)i)));
        Assert.That(FormatTestData.Records(read[0].Messages.Take(FormatTestData.Messages().Count).ToList()), Is.EqualTo(FormatTestData.Records(FormatTestData.Messages())));
    }

    [Test]
    public async Task ExportAsync_Json_FromTheFileStore_ADamagedRecordFailsTheExportNamingIt()
    {
        var messages = Enumerable.Range(0, 3).Select(i => ExportImportTestSupport.Text(ChatRole.User, "intact text number " + i, i)).ToList();
        await ExportImportTestSupport.SeedAsync(_host.Sessions, "hurt", "Damaged", messages);
        string journal = ((FileSessionStorage)_host.Sessions.Storage).JournalPath("hurt");
        var bytes = await File.ReadAllBytesAsync(journal);
        int at = Encoding.UTF8.GetString(bytes).IndexOf("intact text number 1", StringComparison.Ordinal);
        bytes[at] = (byte)'I'; // one flipped letter: still valid JSON, only the checksum tells
        await File.WriteAllBytesAsync(journal, bytes);

        var ex = await Assert.ThrowsAsync<SessionFormatException>(() => ExportImportTestSupport.ExportAsync(_host.Sessions, "hurt", SessionExportFormat.Json));

        Assert.That(ex!.Sequence, Is.EqualTo(2));
        Assert.That(ex.Message, Does.Contain("damaged"));
    }

    [Test]
    public async Task ExportAsync_Json_ThroughADecoratorOfTheFileStore_ExportsWhatTheDecoratorReturns()
    {
        string directory = Path.Combine(Path.GetTempPath(), "sessions-export-decorated-" + Guid.NewGuid().ToString("N"));
        using var file = new FileSessionStorage(new FileStorageOptions { Directory = directory }, TimeProvider.System, NullLogger.Instance);
        try
        {
            var decorated = new UpperCasing(file);
            var info = await decorated.CreateAsync(new SessionInfo { Id = "d", Title = "Decorated", CreatedAt = FormatTestData.Created, UpdatedAt = FormatTestData.Created }, [ExportImportTestSupport.Text(ChatRole.User, "quiet words", 0)]);
            using var stream = new MemoryStream();

            await SessionExporter.ExportAsync(decorated, [info], bundle: false, stream, new SessionExportOptions(), CancellationToken.None);

            var text = Encoding.UTF8.GetString(stream.ToArray());
            Assert.That(text, Does.Contain("QUIET WORDS").And.Not.Contain("quiet words"));
        }
        finally
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>A decorator that changes messages on their way out (as an encrypting or redacting store would).</summary>
    private sealed class UpperCasing(ISessionStorage inner) : DelegatingSessionStorage(inner)
    {
        public override async ValueTask<IReadOnlyList<SessionMessage>> GetMessagesAsync(string sessionId, MessageRange range, CancellationToken cancellationToken = default)
        {
            var messages = await base.GetMessagesAsync(sessionId, range, cancellationToken);
            return [.. messages.Select(m => m with { Message = new ChatMessage(m.Message.Role, m.Message.Text.ToUpperInvariant()) })];
        }
    }
}
