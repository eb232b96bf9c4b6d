using System.Text;

namespace Sessions.Sdk.Tests;

/// <summary>The whole-session format: round trips, streaming, golden files per shipped version, and errors that name the bad field.</summary>
public sealed class SessionFormatTests
{
    [Test]
    public async Task WriteAsync_ThenReadAsync_KeepsEveryFieldOfSessionAndMessages()
    {
        var document = FormatTestData.Document();

        var read = await SessionFormat.ReadAsync(new MemoryStream(await FormatTestData.WriteAsync(document)));

        Assert.That(read, Has.Count.EqualTo(1));
        Assert.That(read[0].Session, Is.EqualTo(document.Session).Using<SessionInfo>(SameInfo));
        Assert.That(read[0].Messages.Select(m => m.Sequence), Is.EqualTo(new long[] { 1, 2, 3, 4, 5 }));
        Assert.That(FormatTestData.Records(read[0].Messages), Is.EqualTo(FormatTestData.Records(document.Messages)));
    }

    [Test]
    public async Task WriteBundleAsync_ThenReadAsync_ReturnsEverySessionInOrder()
    {
        var bytes = await FormatTestData.WriteBundleAsync(FormatTestData.Document("a", "A"), FormatTestData.Document("b", "B") with { Messages = [] }, FormatTestData.Document("c", "C"));

        var read = await SessionFormat.ReadAsync(new MemoryStream(bytes));

        Assert.That(read.Select(d => d.Session.Id), Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(read.Select(d => d.Messages.Count), Is.EqualTo(new[] { 5, 0, 5 }));
    }

    [Test]
    public async Task Reader_OneByteAtATime_ReadsTheSameSessions()
    {
        var bytes = await FormatTestData.WriteBundleAsync(FormatTestData.Document("a"), FormatTestData.Document("b"));

        var read = await SessionFormat.ReadAsync(new TrickleStream(bytes, 1));

        Assert.That(read.Select(d => d.Session.Id), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(FormatTestData.Records(read[1].Messages), Is.EqualTo(FormatTestData.Records(FormatTestData.Messages())));
    }

    [Test]
    public async Task Reader_SkippingMessages_MovesToTheNextSession()
    {
        var bytes = await FormatTestData.WriteBundleAsync(FormatTestData.Document("a"), FormatTestData.Document("b"));
        await using var reader = await SessionFormatReader.OpenAsync(new MemoryStream(bytes));

        var first = await reader.ReadSessionAsync();
        var second = await reader.ReadSessionAsync();
        var end = await reader.ReadSessionAsync();

        Assert.That(reader.IsBundle, Is.True);
        Assert.That(reader.SchemaVersion, Is.EqualTo(1));
        Assert.That(first!.Id, Is.EqualTo("a"));
        Assert.That(second!.Id, Is.EqualTo("b"));
        Assert.That(end, Is.Null);
    }

    [Test]
    public async Task Writer_StreamsLongSession_WithoutHoldingIt()
    {
        using var output = new MemoryStream();
        await using (var writer = new SessionFormatWriter(output, leaveOpen: true))
        {
            await writer.WriteSessionAsync(FormatTestData.Info(), Generate(20_000));
            await writer.CompleteAsync();
        }

        output.Position = 0;
        await using var reader = await SessionFormatReader.OpenAsync(output);
        await reader.ReadSessionAsync();
        long count = 0, last = 0;
        await foreach (var message in reader.ReadMessagesAsync())
        {
            count++;
            last = message.Sequence;
        }

        Assert.That(count, Is.EqualTo(20_000));
        Assert.That(last, Is.EqualTo(20_000));
    }

    [Test]
    public async Task Writer_SecondSessionOnSingleDocument_Throws()
    {
        await using var writer = new SessionFormatWriter(new MemoryStream());
        await writer.WriteSessionAsync(FormatTestData.Info(), []);

        Assert.That(async () => await writer.WriteSessionStartAsync(FormatTestData.Info()), Throws.InvalidOperationException);
        Assert.That(async () => await writer.WriteMessageAsync(FormatTestData.Messages()[0]), Throws.InvalidOperationException);
    }

    [Test]
    public void Writer_ReadOnlyStream_ThrowsArgumentException() =>
        Assert.That(() => new SessionFormatWriter(new MemoryStream([], writable: false)), Throws.ArgumentException.With.Property("ParamName").EqualTo("stream"));

    [TestCase("session-v1.json")]
    [TestCase("bundle-v1.json")]
    public async Task Reader_GoldenFileV1_ReadsEveryField(string file)
    {
        await using var stream = File.OpenRead(Path.Combine(GoldenDirectory(), file));

        var read = await SessionFormat.ReadAsync(stream);

        var expected = GoldenDocuments(file);
        Assert.That(read, Has.Count.EqualTo(expected.Length));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.That(read[i].Session, Is.EqualTo(expected[i].Session).Using<SessionInfo>(SameInfo));
            Assert.That(FormatTestData.Records(read[i].Messages), Is.EqualTo(FormatTestData.Records(expected[i].Messages)));
        }
    }

    [TestCase("session-v1.json")]
    [TestCase("bundle-v1.json")]
    public async Task Writer_CurrentVersion_StillWritesGoldenFileV1(string file)
    {
        var documents = GoldenDocuments(file);
        var written = Encoding.UTF8.GetString(file.StartsWith("bundle", StringComparison.Ordinal)
            ? await FormatTestData.WriteBundleAsync(documents)
            : await FormatTestData.WriteAsync(documents[0]));
        var path = Path.Combine(GoldenDirectory(), file);
        if (Environment.GetEnvironmentVariable("SESSIONS_UPDATE_GOLDEN") == "1") await File.WriteAllTextAsync(path, written + "\n");

        Assert.That(written + "\n", Is.EqualTo(await File.ReadAllTextAsync(path)));
    }

    [Test]
    public async Task Reader_NewerSchemaVersion_ThrowsSessionFormatExceptionNamingIt()
    {
        var json = """{"format":"sessions.sdk/session","schemaVersion":2,"session":{"id":"a","createdAt":"2026-01-01T00:00:00Z"},"messages":[]}""";

        var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await SessionFormat.ReadAsync(Stream(json)));

        Assert.That(ex!.Message, Does.Contain("schemaVersion").And.Contain("newer"));
    }

    [TestCase("""{"format":"sessions.sdk/session","schemaVersion":1,"session":{"id":"a","createdAt":"2026-01-01T00:00:00Z"},"messages":[{"v":1,"seq":1,"ts":"2026-01-01T00:00:00Z","msg":{"role":"user","contents":[]}},{"v":1,"seq":2,"ts":"2026-01-01T00:00:00Z","msg":{"role":5}}]}""", "messages[1].msg.role")]
    [TestCase("""{"format":"sessions.sdk/session","schemaVersion":1,"session":{"id":"a","createdAt":"2026-01-01T00:00:00Z"},"messages":[{"v":1,"seq":1,"ts":"yesterday","msg":{"role":"user"}}]}""", "messages[0].ts")]
    [TestCase("""{"format":"sessions.sdk/session","schemaVersion":1,"session":{"id":"a","createdAt":"2026-01-01T00:00:00Z","tags":["x",3]},"messages":[]}""", "session.tags[1]")]
    [TestCase("""{"format":"sessions.sdk/session","schemaVersion":1,"session":{"id":"../etc","createdAt":"2026-01-01T00:00:00Z"},"messages":[]}""", "session.id")]
    [TestCase("""{"format":"sessions.sdk/bundle","schemaVersion":1,"sessions":[{"session":{"id":"a","createdAt":"2026-01-01T00:00:00Z"},"messages":[]},{"session":{"id":"b","createdAt":"2026-01-01T00:00:00Z"},"messages":[{"v":9,"ts":"2026-01-01T00:00:00Z","msg":{"role":"user"}}]}]}""", "sessions[1].messages[0].v")]
    [TestCase("""{"format":"sessions.sdk/session","schemaVersion":1,"session":{"id":"a","createdAt":"2026-01-01T00:00:00Z"},"messages":[{"v":1,"seq":1,"ts":"2026-01-01T00:00:00Z","msg":{"role":"user","contents":[{"$type":"text","text":"hi"}]}}""", "messages")]
    [TestCase("""{"format":"other","schemaVersion":1}""", "format")]
    [TestCase("""{"format":"sessions.sdk/session","schemaVersion":"1"}""", "schemaVersion")]
    public async Task Reader_BadField_ThrowsSessionFormatExceptionWithItsPath(string json, string path)
    {
        var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await SessionFormat.ReadAsync(Stream(json)));

        Assert.That(ex!.Message, Does.Contain(path));
    }

    [Test]
    public async Task Reader_TrailingData_ThrowsSessionFormatException()
    {
        var json = """{"format":"sessions.sdk/session","schemaVersion":1,"session":{"id":"a","createdAt":"2026-01-01T00:00:00Z"},"messages":[]} {}""";

        await Assert.ThrowsAsync<SessionFormatException>(async () => await SessionFormat.ReadAsync(Stream(json)));
    }

    internal static bool SameInfo(SessionInfo a, SessionInfo b) =>
        a.Id == b.Id && a.Title == b.Title && a.Kind == b.Kind && a.Tags.SequenceEqual(b.Tags)
        && a.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal).SequenceEqual(b.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        && a.SystemPrompt == b.SystemPrompt && a.ProviderName == b.ProviderName && a.ModelId == b.ModelId
        && a.ParentSessionId == b.ParentSessionId && a.BranchedAtSequence == b.BranchedAtSequence && a.MessageCount == b.MessageCount
        && a.CreatedAt == b.CreatedAt && a.UpdatedAt == b.UpdatedAt && a.Usage == b.Usage;

    private static SessionDocument[] GoldenDocuments(string file) => file.StartsWith("bundle", StringComparison.Ordinal)
        ? [FormatTestData.Document("golden-1"), FormatTestData.Document("golden-2", "Second <golden> \"session\"") with { Messages = [] }]
        : [FormatTestData.Document()];

    private static MemoryStream Stream(string json) => new(Encoding.UTF8.GetBytes(json));

    private static async IAsyncEnumerable<SessionMessage> Generate(int count)
    {
        for (int i = 1; i <= count; i++)
        {
            yield return new SessionMessage { Sequence = i, Timestamp = FormatTestData.Created, Message = new(Microsoft.Extensions.AI.ChatRole.User, "message " + i) };
            if (i % 1000 == 0) await Task.Yield();
        }
    }

    private static string GoldenDirectory() => Path.Combine(SourceFiles.DirectoryOf(), "Golden");
}
