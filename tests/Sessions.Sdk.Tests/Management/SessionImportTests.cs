using System.Text;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

[TestFixture(CoreStoreKind.Memory)]
[TestFixture(CoreStoreKind.File)]
public sealed class SessionImportTests(CoreStoreKind store) : CoreStoreFixture(store)
{
    [Test]
    public async Task RoundTrip_Json_ExportThenImportKeepsMessagesUsageAndMetadata()
    {
        var original = await ExportImportTestSupport.SeedAsync(Sessions);
        var bytes = await ExportImportTestSupport.ExportAsync(Sessions, "golden-1", SessionExportFormat.Json);
        using var other = new CoreTestHost(store: Store);

        var result = await other.Sessions.ImportAsync(new MemoryStream(bytes));

        var imported = result.Sessions.Single();
        Assert.That(imported.Id, Is.EqualTo("golden-1"));
        Assert.That(imported.Title, Is.EqualTo(original.Title));
        Assert.That(imported.Kind, Is.EqualTo(original.Kind));
        Assert.That(imported.Tags, Is.EqualTo(original.Tags));
        Assert.That(imported.SystemPrompt, Is.EqualTo(original.SystemPrompt));
        Assert.That((imported.ProviderName, imported.ModelId), Is.EqualTo((original.ProviderName, original.ModelId)));
        Assert.That(imported.CreatedAt, Is.EqualTo(original.CreatedAt));
        Assert.That(imported.Usage, Is.EqualTo(original.Usage));
        Assert.That(ExportImportTestSupport.WithoutProvenance(imported.Metadata), Is.EqualTo(original.Metadata));
        Assert.That(imported.Metadata[SessionImportResult.SourceFormatKey], Is.EqualTo("sessions.sdk"));
        Assert.That(imported.Metadata[SessionImportResult.OriginalIdKey], Is.EqualTo("golden-1"));
        Assert.That(imported.Metadata, Does.ContainKey(SessionImportResult.ImportedAtKey));
        var messages = await other.Storage.GetMessagesAsync("golden-1", MessageRange.All);
        Assert.That(FormatTestData.Records(messages), Is.EqualTo(FormatTestData.Records(FormatTestData.Messages())));
    }

    [Test]
    public async Task RoundTrip_JsonBundle_ImportsEverySessionOfTheQuery()
    {
        await ExportImportTestSupport.SeedAsync(Sessions, "a", "A");
        await ExportImportTestSupport.SeedAsync(Sessions, "b", "B");
        using var bundle = new MemoryStream();
        await Sessions.ExportAsync(SessionQuery.All, bundle);
        using var other = new CoreTestHost(store: Store);

        var result = await other.Sessions.ImportAsync(new MemoryStream(bundle.ToArray()));

        Assert.That(result.Sessions.Select(s => s.Id).Order(StringComparer.Ordinal), Is.EqualTo(new[] { "a", "b" }));
        foreach (var id in new[] { "a", "b" })
        {
            Assert.That(FormatTestData.Records(await other.Storage.GetMessagesAsync(id, MessageRange.All)), Is.EqualTo(FormatTestData.Records(FormatTestData.Messages())));
        }
    }

    [TestCase("session-v1.json", 1)]
    [TestCase("bundle-v1.json", 2)]
    public async Task ImportAsync_GoldenFilesOfEveryShippedVersion_Import(string file, int sessions)
    {
        var path = Path.Combine(SourceFiles.DirectoryOf(), "..", "Abstractions", "Format", "Golden", file);
        await using var stream = File.OpenRead(path);

        var result = await Sessions.ImportAsync(stream);

        Assert.That(result.Sessions, Has.Count.EqualTo(sessions));
        Assert.That(result.Sessions[0].ParentSessionId, Is.EqualTo("parent-1"));
        Assert.That(result.Sessions[0].BranchedAtSequence, Is.EqualTo(3));
    }

    [Test]
    public async Task ImportAsync_Paracle_MapsFieldsAndKeepsProvenance()
    {
        var r = await ImportAsync(ImportSamples.Paracle);

        var s = r.Sessions.Single();
        Assert.That(s.Id, Is.EqualTo("chat-2024-01-08-abc123"));
        Assert.That(s.Kind, Is.EqualTo(SessionKind.Chat));
        Assert.That((s.ProviderName, s.ModelId), Is.EqualTo(("anthropic", "claude-sonnet-4-20250514")));
        Assert.That(s.CreatedAt, Is.EqualTo(new DateTimeOffset(2024, 1, 8, 10, 30, 0, TimeSpan.Zero)));
        Assert.That(s.Metadata["paracle.total_tokens"], Is.EqualTo("1234"));
        Assert.That(s.Metadata[SessionImportResult.SourceFormatKey], Is.EqualTo("paracle"));
        Assert.That(s.Metadata[SessionImportResult.OriginalIdKey], Is.EqualTo("chat-2024-01-08-abc123"));
        Assert.That(await TextsAsync(s.Id), Is.EqualTo(new[] { "user: Hello!", "assistant: Hi! How can I help?" }));
    }

    [Test]
    public async Task ImportAsync_ChannelCoderStorageFormat_MapsTimes()
    {
        var s = (await ImportAsync(ImportSamples.ChannelCoderStorage)).Sessions.Single();

        Assert.That(s.Id, Is.EqualTo("session_abc123"));
        Assert.That(s.CreatedAt, Is.EqualTo(new DateTimeOffset(2024, 1, 15, 10, 0, 0, TimeSpan.Zero)));
        Assert.That(s.Metadata[SessionImportResult.SourceFormatKey], Is.EqualTo("channelcoder"));
        Assert.That(await TextsAsync(s.Id), Has.Length.EqualTo(2));
    }

    [Test]
    public async Task ImportAsync_ChannelCoderSessionState_KeepsChainAndMessageTimes()
    {
        var s = (await ImportAsync(ImportSamples.ChannelCoderState)).Sessions.Single();

        Assert.That(s.Id, Is.EqualTo("learning-typescript"));
        Assert.That(s.Title, Is.EqualTo("learning-typescript"));
        Assert.That(s.Metadata["channelcoder.sessionChain"], Is.EqualTo("s1,s2"));
        var messages = await Host.Storage.GetMessagesAsync(s.Id, MessageRange.All);
        Assert.That(messages[1].Timestamp, Is.EqualTo(new DateTimeOffset(2024, 1, 15, 10, 0, 5, TimeSpan.Zero)));
    }

    [Test]
    public async Task ImportAsync_AINative_MapsTitleTagsMetadataAndTimestamps()
    {
        var s = (await ImportAsync(ImportSamples.AINative)).Sessions.Single();

        Assert.That(s.Id, Is.EqualTo("abc123def456"));
        Assert.That(s.Title, Is.EqualTo("REST API Development"));
        Assert.That(s.Tags, Is.EqualTo(new[] { "go", "rest-api" }));
        Assert.That(s.Metadata["project"], Is.EqualTo("backend-service"));
        Assert.That(s.Metadata[SessionImportResult.SourceFormatKey], Is.EqualTo("ainative"));
        var messages = await Host.Storage.GetMessagesAsync(s.Id, MessageRange.All);
        Assert.That(messages.Select(m => m.Timestamp.Second), Is.EqualTo(new[] { 5, 15 }));
    }

    [TestCase(ImportSamples.AINativeAll)]
    [TestCase(ImportSamples.AINativeAllObject)]
    public async Task ImportAsync_AINativeExportAll_ImportsEverySession(string json)
    {
        var r = await ImportAsync(json);

        Assert.That(r.Sessions.Select(s => s.Title), Is.EqualTo(new[] { "REST API Development", "OAuth Implementation" }));
    }

    [Test]
    public async Task ImportAsync_Coda_UsesNameAsIdAndTitle()
    {
        var s = (await ImportAsync(ImportSamples.Coda)).Sessions.Single();

        Assert.That(s.Id, Is.EqualTo("coding-help"));
        Assert.That(s.Title, Is.EqualTo("coding-help"));
        Assert.That(s.Tags, Is.EqualTo(new[] { "tutorial", "basics" }));
        Assert.That(s.Metadata["topic"], Is.EqualTo("Python programming"));
        Assert.That(s.Metadata[SessionImportResult.SourceFormatKey], Is.EqualTo("coda"));
        var messages = await Host.Storage.GetMessagesAsync(s.Id, MessageRange.All);
        Assert.That(messages[1].ModelId, Is.EqualTo("gpt-4"));
    }

    [Test]
    public async Task ImportAsync_OpenAIMessageList_MapsToolCallsAndResults()
    {
        var s = (await ImportAsync(ImportSamples.OpenAIList)).Sessions.Single();

        Assert.That(SessionIds.IsValid(s.Id), Is.True);
        Assert.That(s.Metadata[SessionImportResult.SourceFormatKey], Is.EqualTo("openai"));
        Assert.That(s.Metadata, Does.Not.ContainKey(SessionImportResult.OriginalIdKey));
        var messages = await Host.Storage.GetMessagesAsync(s.Id, MessageRange.All);
        var call = (FunctionCallContent)messages[2].Message.Contents.Single();
        Assert.That((call.CallId, call.Name, call.Arguments!["city"]!.ToString()), Is.EqualTo(("call_1", "get_weather", "Paris")));
        var result = (FunctionResultContent)messages[3].Message.Contents.Single();
        Assert.That((result.CallId, result.Result?.ToString()), Is.EqualTo(("call_1", "18C and sunny")));
        Assert.That(messages[1].Text, Is.EqualTo("Weather in Paris?"));
    }

    [Test]
    public async Task ImportAsync_NewIdAndTitle_OverrideTheDocument()
    {
        var r = await ImportAsync(ImportSamples.AINative, new SessionImportOptions { NewId = true, Title = "Imported" });

        var s = r.Sessions.Single();
        Assert.That(s.Id, Is.Not.EqualTo("abc123def456"));
        Assert.That(s.Title, Is.EqualTo("Imported"));
        Assert.That(s.Metadata[SessionImportResult.OriginalIdKey], Is.EqualTo("abc123def456"));
    }

    [Test]
    public async Task ImportAsync_ConflictFail_ThrowsAndStoresNothing()
    {
        await Sessions.Storage.CreateAsync(new SessionInfo { Id = "def789ghi012", CreatedAt = FormatTestData.Created, UpdatedAt = FormatTestData.Created }, []);

        var ex = await Assert.ThrowsAsync<SessionAlreadyExistsException>(async () => await ImportAsync(ImportSamples.AINativeAll));

        Assert.That(ex!.SessionId, Is.EqualTo("def789ghi012"));
        Assert.That(await ExportImportTestSupport.ListIdsAsync(Sessions), Is.EqualTo(new[] { "def789ghi012" }));
    }

    [Test]
    public async Task ImportAsync_ConflictSkip_SkipsExistingAndImportsTheRest()
    {
        await Sessions.Storage.CreateAsync(new SessionInfo { Id = "def789ghi012", Title = "mine", CreatedAt = FormatTestData.Created, UpdatedAt = FormatTestData.Created }, []);

        var r = await ImportAsync(ImportSamples.AINativeAll, new SessionImportOptions { Conflict = SessionImportConflict.Skip });

        Assert.That(r.Sessions.Select(s => s.Id), Is.EqualTo(new[] { "abc123def456" }));
        Assert.That(r.Skipped, Is.EqualTo(new[] { "def789ghi012" }));
        Assert.That((await Sessions.GetInfoAsync("def789ghi012"))!.Title, Is.EqualTo("mine"));
    }

    [Test]
    public async Task ImportAsync_ConflictNewId_ImportsUnderAFreshId()
    {
        await Sessions.Storage.CreateAsync(new SessionInfo { Id = "abc123def456", CreatedAt = FormatTestData.Created, UpdatedAt = FormatTestData.Created }, []);

        var r = await ImportAsync(ImportSamples.AINative, new SessionImportOptions { Conflict = SessionImportConflict.NewId });

        Assert.That(r.Sessions.Single().Id, Is.Not.EqualTo("abc123def456"));
        Assert.That(r.Sessions.Single().Title, Is.EqualTo("REST API Development"));
        Assert.That(await ExportImportTestSupport.ListIdsAsync(Sessions), Has.Length.EqualTo(2));
    }

    [TestCase("""{"id":"x","title":"t","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"user","content":"c"},{"role":"robot","content":"d"}]}""", "messages[3].role")]
    [TestCase("""{"id":"x","title":"t","messages":[{"role":"user","content":5}]}""", "messages[0].content")]
    [TestCase("""{"id":"x","title":"t","created_at":"soon","messages":[]}""", "created_at")]
    [TestCase("""[{"role":"user","content":"a"},{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":"{oops"}}]}]""", "[1].tool_calls[0].function.arguments")]
    [TestCase("""{"sessions":[{"id":"a","title":"t","messages":[]},{"id":"b","title":"t","messages":[{"content":"x"}]}]}""", "sessions[1].messages[0].role")]
    [TestCase("""{"hello":"world"}""", "$")]
    [TestCase("""{"id":"x","title":"t","messages":[""", "$")]
    public async Task ImportAsync_BadDocument_NamesTheFieldAndStoresNothing(string json, string path)
    {
        await Sessions.Storage.CreateAsync(new SessionInfo { Id = "keep", CreatedAt = FormatTestData.Created, UpdatedAt = FormatTestData.Created }, []);

        var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await ImportAsync(json));

        Assert.That(ex!.Message, Does.Contain($"'{path}'"));
        Assert.That(await ExportImportTestSupport.ListIdsAsync(Sessions), Is.EqualTo(new[] { "keep" }));
    }

    [Test]
    public async Task ImportAsync_BundleWithOneBadSession_ImportsNone()
    {
        var good = FormatTestData.Document("good-1");
        var bytes = Encoding.UTF8.GetString(await FormatTestData.WriteBundleAsync(good, FormatTestData.Document("bad-1"), FormatTestData.Document("good-2")));
        var bad = bytes.Replace("\"id\":\"bad-1\"", "\"id\":\"bad-1\",\"createdAt\":7", StringComparison.Ordinal);

        var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await ImportAsync(bad));

        Assert.That(ex!.Message, Does.Contain("sessions[1].session.createdAt"));
        Assert.That(await ExportImportTestSupport.ListIdsAsync(Sessions), Is.Empty);
    }

    [Test]
    public async Task ImportAsync_DuplicateIds_ThrowsSessionFormatExceptionAndStoresNothing()
    {
        var json = "[" + ImportSamples.AINative + "," + ImportSamples.AINative + "]";

        var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await ImportAsync(json));

        Assert.That(ex!.Message, Does.Contain("[1]").And.Contain("appears twice"));
        Assert.That(await ExportImportTestSupport.ListIdsAsync(Sessions), Is.Empty);
    }

    [Test]
    public async Task ImportAsync_NewerSchemaVersion_ThrowsSessionFormatException()
    {
        var json = Encoding.UTF8.GetString(await FormatTestData.WriteAsync(FormatTestData.Document())).Replace("\"schemaVersion\":1", "\"schemaVersion\":2", StringComparison.Ordinal);

        var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await ImportAsync(json));

        Assert.That(ex!.Message, Does.Contain("schemaVersion").And.Contain("newer"));
    }

    [Test]
    public async Task ImportAsync_StoreFailsHalfway_RemovesWhatItCreated()
    {
        var failing = new FailingCreateStorage(new MemorySessionStorage(), failOnCreate: 2);
        using var host = new CoreTestHost(build: b => b.UseStorage(failing));

        await Assert.ThrowsAsync<SessionStorageException>(async () => await host.Sessions.ImportAsync(Stream(ImportSamples.AINativeAll)));

        Assert.That(await ExportImportTestSupport.ListIdsAsync(host.Sessions), Is.Empty);
        Assert.That(failing.Created, Is.EqualTo(1));
    }

    [Test]
    public async Task ImportDirectoryAsync_ImportsEveryJsonFileAndFailsWholeOnOneBadFile()
    {
        var directory = Directory.CreateTempSubdirectory("sessions-import-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "1.json"), ImportSamples.AINative);
            await File.WriteAllTextAsync(Path.Combine(directory, "2.json"), ImportSamples.Coda);
            await File.WriteAllTextAsync(Path.Combine(directory, "notes.txt"), "not json");

            var r = await Sessions.ImportDirectoryAsync(directory);
            Assert.That(r.Sessions.Select(s => s.Id), Is.EqualTo(new[] { "abc123def456", "coding-help" }));

            await File.WriteAllTextAsync(Path.Combine(directory, "3.json"), ImportSamples.Paracle);
            await File.WriteAllTextAsync(Path.Combine(directory, "4.json"), """{"id":"x","title":"t","messages":[{"role":1}]}""");
            var ex = await Assert.ThrowsAsync<SessionFormatException>(async () => await Sessions.ImportDirectoryAsync(directory, new SessionImportOptions { NewId = true }));
            Assert.That(ex!.Message, Does.StartWith("4.json:").And.Contain("messages[0].role"));
            Assert.That(await ExportImportTestSupport.ListIdsAsync(Sessions), Is.EqualTo(new[] { "abc123def456", "coding-help" }));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void ImportAsync_BadArguments_ThrowArgumentExceptions()
    {
        Assert.That(async () => await Sessions.ImportAsync(null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("stream"));
        Assert.That(async () => await Sessions.ImportDirectoryAsync(""), Throws.ArgumentException.With.Property("ParamName").EqualTo("directory"));
        Assert.That(async () => await Sessions.ImportDirectoryAsync("/no/such/dir/here"), Throws.InstanceOf<DirectoryNotFoundException>());
    }

    private async Task<SessionImportResult> ImportAsync(string json, SessionImportOptions? options = null) =>
        await Sessions.ImportAsync(Stream(json), options);

    private async Task<string[]> TextsAsync(string id) =>
        [.. (await Host.Storage.GetMessagesAsync(id, MessageRange.All)).Select(m => m.Role.Value + ": " + m.Text)];

    private static MemoryStream Stream(string json) => new(Encoding.UTF8.GetBytes(json));

    private sealed class FailingCreateStorage(ISessionStorage inner, int failOnCreate) : DelegatingSessionStorage(inner)
    {
        public int Created { get; private set; }

        public override async ValueTask<SessionInfo> CreateAsync(SessionInfo session, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default)
        {
            if (Created + 1 == failOnCreate) throw new SessionStorageException("disk full");
            var stored = await base.CreateAsync(session, messages, cancellationToken);
            Created++;
            return stored;
        }
    }
}
