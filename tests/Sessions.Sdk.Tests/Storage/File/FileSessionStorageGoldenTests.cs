using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>Golden files of the file store's format, version 1: the current reader reads them, the current writer still writes them.</summary>
/// <remarks>Regenerate (only when the format deliberately changes, as a new version folder) with SESSIONS_UPDATE_GOLDEN=1.</remarks>
[TestFixture]
public sealed partial class FileSessionStorageGoldenTests
{
    private const string SessionId = "golden-v1";
    private static readonly DateTimeOffset T0 = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private string _root = null!;

    [SetUp]
    public void SetUp() => _root = Path.Combine(Path.GetTempPath(), "sessions-file-golden-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void TearDown()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Test]
    public async Task Reader_GoldenFiles_LoadEveryField([Values("v1", "v2")] string format)
    {
        Directory.CreateDirectory(_root);
        foreach (var file in Directory.GetFiles(GoldenDirectory(format))) System.IO.File.Copy(file, Path.Combine(_root, Path.GetFileName(file)));
        using var store = new FileSessionStorage(new FileStorageOptions { Directory = _root }, new FileSessionStorageTests.FixedClock(T0.AddDays(1)), NullLogger.Instance);

        var info = await store.GetAsync(SessionId);
        Assert.That(info, Is.Not.Null);
        Assert.That(info!.Title, Is.EqualTo("Golden session v1"));
        Assert.That(info.Kind, Is.EqualTo(SessionKind.Plan));
        Assert.That(info.Tags, Is.EqualTo(new[] { "golden", "v1" }));
        Assert.That(info.Metadata["owner"], Is.EqualTo("tests"));
        Assert.That(info.SystemPrompt, Is.EqualTo("You are terse."));
        Assert.That(info.ProviderName, Is.EqualTo("openai"));
        Assert.That(info.ModelId, Is.EqualTo("gpt-test"));
        Assert.That(info.ParentSessionId, Is.EqualTo("parent-1"));
        Assert.That(info.BranchedAtSequence, Is.EqualTo(3));
        Assert.That(info.CreatedAt, Is.EqualTo(T0));
        Assert.That(info.UpdatedAt, Is.EqualTo(T0));
        // Format 1 recorded no message count with the version: its messages all count as appended (each advances the version).
        Assert.That(info.Version, Is.EqualTo(format == "v1" ? 6 : 1));
        Assert.That(info.MessageCount, Is.EqualTo(5));
        Assert.That(info.Usage, Is.EqualTo(new SessionUsage { InputTokens = 30, OutputTokens = 15, TotalTokens = 45, Cost = 0.0012m, Requests = 2 }));

        var messages = await store.GetMessagesAsync(SessionId, MessageRange.All);
        Assert.That(messages.Select(m => m.Sequence), Is.EqualTo(new long[] { 1, 2, 3, 4, 5 }));
        var expected = Messages();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.That(ChatJson(messages[i].Message), Is.EqualTo(ChatJson(expected[i].Message)), $"message {i + 1}");
            Assert.That(messages[i].Timestamp, Is.EqualTo(expected[i].Timestamp));
            Assert.That(messages[i].ProviderName, Is.EqualTo(expected[i].ProviderName));
            Assert.That(messages[i].ModelId, Is.EqualTo(expected[i].ModelId));
            Assert.That(messages[i].Usage, Is.EqualTo(expected[i].Usage));
            Assert.That(messages[i].Latency, Is.EqualTo(expected[i].Latency));
            Assert.That(messages[i].Pinned, Is.EqualTo(expected[i].Pinned));
        }

        Assert.That(messages[1].Message.Contents.OfType<FunctionCallContent>().Single().Name, Is.EqualTo("get_weather"));
        Assert.That(messages[4].Message.Contents.OfType<DataContent>().Single().MediaType, Is.EqualTo("image/png"));
        Assert.That((await store.GetMessagesAsync(SessionId, MessageRange.Last(2))).Select(m => m.Sequence), Is.EqualTo(new long[] { 4, 5 }));
        Assert.That((await store.AppendMessagesAsync(SessionId, [FileSessionStorageTests.Message(ChatRole.User, "more")]))[0].Sequence, Is.EqualTo(6));
    }

    [Test]
    public async Task Writer_CurrentVersion_ProducesGoldenFilesV2()
    {
        using (var store = new FileSessionStorage(new FileStorageOptions { Directory = _root }, new FileSessionStorageTests.FixedClock(T0), NullLogger.Instance))
        {
            await store.CreateAsync(Session(), Messages());
        }

        var golden = GoldenDirectory("v2");
        foreach (var name in new[] { SessionId + ".meta.json", SessionId + ".jsonl" })
        {
            var written = Normalize(await System.IO.File.ReadAllTextAsync(Path.Combine(_root, name)));
            if (Environment.GetEnvironmentVariable("SESSIONS_UPDATE_GOLDEN") == "1")
            {
                Directory.CreateDirectory(golden);
                await System.IO.File.WriteAllTextAsync(Path.Combine(golden, name), written);
            }

            var expected = await System.IO.File.ReadAllTextAsync(Path.Combine(golden, name));
            Assert.That(written, Is.EqualTo(expected), $"{name}: the writer no longer produces format v2 byte for byte; add a v3 golden folder and keep reading v1 and v2");
        }
    }

    [Test]
    public async Task Reader_GoldenJournalLines_AreTheSharedMessageRecords()
    {
        var lines = await System.IO.File.ReadAllLinesAsync(Path.Combine(GoldenDirectory("v1"), SessionId + ".jsonl"));
        var expected = Messages();
        Assert.That(lines, Has.Length.EqualTo(expected.Length + 1));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.That(lines[i + 1], Is.EqualTo(SessionJson.SerializeMessageToString(expected[i] with { Sequence = i + 1 })), $"line {i + 2}");
        }
    }

    private static string Normalize(string text) =>
        GenerationPattern().Replace(LastWritePattern().Replace(text, "\"lastWrite\": 0"), "\"$1\"$2\"00000000000000000000000000000000\"");

    [GeneratedRegex("\"(generation|editGeneration)\"(: ?)\"[0-9a-f]{32}\"")]
    private static partial Regex GenerationPattern();

    [GeneratedRegex("\"lastWrite\": \\d+")]
    private static partial Regex LastWritePattern();

    private static string GoldenDirectory(string format) => Path.Combine(SourceFiles.DirectoryOf(), "Golden", format);

    private static string ChatJson(ChatMessage message) =>
        System.Text.Json.JsonSerializer.Serialize(message, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatMessage)));

    private static SessionInfo Session() => new()
    {
        Id = SessionId,
        Title = "Golden session v1",
        Kind = SessionKind.Plan,
        Tags = ["golden", "v1"],
        Metadata = new Dictionary<string, string> { ["owner"] = "tests" },
        SystemPrompt = "You are terse.",
        ProviderName = "openai",
        ModelId = "gpt-test",
        ParentSessionId = "parent-1",
        BranchedAtSequence = 3,
        CreatedAt = T0,
        UpdatedAt = T0,
    };

    private static SessionMessage[] Messages() =>
    [
        new() { Message = new ChatMessage(ChatRole.User, "What is the weather in Paris?"), Timestamp = T0 },
        new()
        {
            Message = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            Timestamp = T0.AddSeconds(1),
            ProviderName = "openai",
            ModelId = "gpt-test",
            Usage = new SessionUsage { InputTokens = 20, OutputTokens = 5, TotalTokens = 25, Cost = 0.0007m, Requests = 1 },
            Latency = TimeSpan.FromMilliseconds(250),
        },
        new() { Message = new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call-1", "18 C and sunny")]), Timestamp = T0.AddSeconds(2) },
        new()
        {
            Message = new ChatMessage(ChatRole.Assistant, "It is 18 C and sunny in Paris.") { AuthorName = "weather-bot", MessageId = "m-4" },
            Timestamp = T0.AddSeconds(3),
            ProviderName = "openai",
            ModelId = "gpt-test",
            Usage = new SessionUsage { InputTokens = 10, OutputTokens = 10, TotalTokens = 20, Cost = 0.0005m, Requests = 1 },
            Latency = TimeSpan.FromMilliseconds(125.5),
            Pinned = true,
        },
        new()
        {
            Message = new ChatMessage(ChatRole.User, [new TextContent("And this picture?"), new DataContent(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }, "image/png")]),
            Timestamp = T0.AddSeconds(4),
        },
    ];
}
