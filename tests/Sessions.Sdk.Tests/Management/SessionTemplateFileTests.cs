using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Tests;

/// <summary>Templates loaded from files in the public session format (a session exported as Json is a template file).</summary>
public sealed class SessionTemplateFileTests
{
    private string _directory = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = Path.Combine(Path.GetTempPath(), "sessions-template-files-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [TearDown]
    public void TearDown()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    [Test]
    public async Task AddSessionTemplateFile_ExportedSession_NewSessionsStartLikeIt()
    {
        string file = Path.Combine(_directory, "code-review.json");
        await File.WriteAllBytesAsync(file, await ExportSourceAsync());
        using var host = new ManagementTestHost(build: b => b.AddSessionTemplateFile(file));

        var t = await host.Sessions.Create("pr-1").FromTemplate("code-review").CreateAsync();

        var messages = await t.GetMessagesAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(t.Info.Title, Is.EqualTo("Review"));
            Assert.That(t.Info.SystemPrompt, Is.EqualTo("You review pull requests."));
            Assert.That(t.Info.Tags, Is.EqualTo(new[] { "review" }));
            Assert.That(t.Info.Metadata["team"], Is.EqualTo("platform"));
            Assert.That(t.Info.Metadata[SessionTemplateExtensions.TemplateMetadataKey], Is.EqualTo("code-review"), "named after the file, not the source's template");
            Assert.That(t.Info.Kind, Is.EqualTo(new SessionKind("review")));
            Assert.That((t.Info.ProviderName, t.Info.ModelId), Is.EqualTo(("openai", "gpt-4o")));
            Assert.That(messages.Select(m => (m.Role, m.Text)), Is.EqualTo(new[] { (ChatRole.User, "House style: terse."), (ChatRole.Assistant, "Understood.") }));
        }
    }

    [Test]
    public async Task AddSessionTemplateFile_GivenName_RegistersUnderIt()
    {
        string file = Path.Combine(_directory, "x.json");
        await File.WriteAllBytesAsync(file, await ExportSourceAsync());
        using var host = new ManagementTestHost(build: b => b.AddSessionTemplateFile(file, "pr"));

        var t = await host.Sessions.Create("pr-2").FromTemplate("pr").CreateAsync();

        Assert.That(t.Info.SystemPrompt, Is.EqualTo("You review pull requests."));
        Assert.Throws<ArgumentException>(() => host.Sessions.Create("pr-3").FromTemplate("x"));
    }

    [Test]
    public async Task AddSessionTemplateDirectory_EveryJsonFile_RegisteredByFileName()
    {
        var source = await ExportSourceAsync();
        await File.WriteAllBytesAsync(Path.Combine(_directory, "alpha.json"), source);
        await File.WriteAllBytesAsync(Path.Combine(_directory, "beta.json"), source);
        await File.WriteAllTextAsync(Path.Combine(_directory, "notes.txt"), "not a template");
        Directory.CreateDirectory(Path.Combine(_directory, "nested"));
        await File.WriteAllTextAsync(Path.Combine(_directory, "nested", "bad.json"), "{");
        using var host = new ManagementTestHost(build: b => b.AddSessionTemplateDirectory(_directory));

        var a = await host.Sessions.Create("a").FromTemplate("alpha").CreateAsync();
        var b = await host.Sessions.Create("b").FromTemplate("BETA").CreateAsync();

        Assert.That((a.Info.Title, b.Info.Title), Is.EqualTo(("Review", "Review")));
        var ex = Assert.Throws<ArgumentException>(() => host.Sessions.Create("c").FromTemplate("notes"));
        Assert.That(ex!.Message, Does.Contain("alpha").And.Contain("beta"));
    }

    [Test]
    public async Task AddSessionTemplateFile_BadMessage_ThrowsSessionFormatExceptionNamingTheFileAndField()
    {
        string json = Encoding.UTF8.GetString(await ExportSourceAsync());
        string broken = json.Replace("\"role\":\"assistant\"", "\"role\":42", StringComparison.Ordinal);
        Assert.That(broken, Is.Not.EqualTo(json), "the fixture holds an assistant message");
        string file = Path.Combine(_directory, "broken.json");
        await File.WriteAllTextAsync(file, broken);
        var builder = new ServiceCollection().AddSessions();

        var ex = Assert.Throws<SessionFormatException>(() => builder.AddSessionTemplateFile(file));

        Assert.That(ex!.Message, Does.Contain(file).And.Contain("messages[1]"));
        Assert.That(builder.Services.Any(d => d.ServiceType.Name == "SessionTemplateRegistration"), Is.False, "nothing registered");
    }

    [TestCase("", "the document is empty")]
    [TestCase("[]", "expected a JSON object")]
    [TestCase("{\"format\":\"other\",\"schemaVersion\":1}", "not a Sessions.Sdk session format")]
    [TestCase("{\"format\":\"sessions.sdk/session\",\"schemaVersion\":99,\"session\":{}}", "newer than")]
    [TestCase("{\"format\":\"sessions.sdk/session\",\"schemaVersion\":1}", "holds no session")]
    [TestCase("{\"format\":\"sessions.sdk/bundle\",\"schemaVersion\":1,\"sessions\":[]}", "exactly one session")]
    [TestCase("{\"format\":\"sessions.sdk/session\",\"schemaVersion\":1,\"session\":{\"id\":\"a\"", "session")]
    public void Parse_BadDocument_ThrowsSessionFormatException(string json, string expected)
    {
        var ex = Assert.Throws<SessionFormatException>(() => SessionTemplateFile.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.That(ex!.Message, Does.Contain(expected));
    }

    [Test]
    public async Task Parse_AgreesWithTheStreamingReader_OnSingleAndOneSessionBundle()
    {
        var single = await ExportSourceAsync();
        var fromReader = (await SessionFormat.ReadAsync(new MemoryStream(single))).Single();
        using var bundle = new MemoryStream();
        await SessionFormat.WriteBundleAsync(bundle, [fromReader]);

        foreach (var bytes in new[] { single, bundle.ToArray() })
        {
            var parsed = SessionTemplateFile.Parse(bytes);
            Assert.That(await WriteAsync(parsed), Is.EqualTo(await WriteAsync(fromReader)), "same session, same messages, byte for byte");
        }
    }

    [Test]
    public async Task Parse_BundleOfTwo_IsRefused()
    {
        var document = (await SessionFormat.ReadAsync(new MemoryStream(await ExportSourceAsync()))).Single();
        using var bundle = new MemoryStream();
        await SessionFormat.WriteBundleAsync(bundle, [document, document with { Session = document.Session with { Id = "other" } }]);

        var ex = Assert.Throws<SessionFormatException>(() => SessionTemplateFile.Parse(bundle.ToArray()));
        Assert.That(ex!.Message, Does.Contain("holds 2"));
        await Assert.ThatAsync(() => SessionTemplate.LoadAsync(new MemoryStream(bundle.ToArray())), Throws.TypeOf<SessionFormatException>());
    }

    [Test]
    public void AddSessionTemplateFile_MissingFile_ThrowsFileNotFoundNamingIt()
    {
        string file = Path.Combine(_directory, "missing.json");

        var ex = Assert.Throws<FileNotFoundException>(() => new ServiceCollection().AddSessions().AddSessionTemplateFile(file));

        Assert.That(ex!.FileName, Is.EqualTo(file));
    }

    [Test]
    public void AddSessionTemplateDirectory_MissingFolder_ThrowsDirectoryNotFound()
    {
        var ex = Assert.Throws<DirectoryNotFoundException>(() => new ServiceCollection().AddSessions().AddSessionTemplateDirectory(Path.Combine(_directory, "nope")));

        Assert.That(ex!.Message, Does.Contain("AddSessionTemplateDirectory"));
    }

    [Test]
    public async Task LoadAsync_Stream_GivesTheSameTemplateAsFromDocument()
    {
        var bytes = await ExportSourceAsync();

        var template = await SessionTemplate.LoadAsync(new MemoryStream(bytes));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(template.Title, Is.EqualTo("Review"));
            Assert.That(template.Metadata.ContainsKey(SessionTemplateExtensions.TemplateMetadataKey), Is.False);
            Assert.That(template.Messages.Select(m => m.Text), Is.EqualTo(new[] { "House style: terse.", "Understood." }));
            Assert.That(template.Kind, Is.EqualTo(new SessionKind("review")));
        }

        Assert.Throws<ArgumentNullException>(() => SessionTemplate.FromDocument(null!));
    }

    /// <summary>A session created from a template, exported as Json: what a user would save as a template file.</summary>
    private static async Task<byte[]> ExportSourceAsync()
    {
        using var host = new ManagementTestHost(build: b => b.AddSessionTemplate("old", new SessionTemplate { Tags = ["review"] }));
        await host.Sessions.Create("source").FromTemplate("old").WithTitle("Review").WithSystemPrompt("You review pull requests.")
            .WithMetadata("team", "platform").WithKind(new SessionKind("review")).WithProvider("openai", "gpt-4o")
            .WithMessages(new ChatMessage(ChatRole.User, "House style: terse."), new ChatMessage(ChatRole.Assistant, "Understood."))
            .CreateAsync();
        return await ExportImportTestSupport.ExportAsync(host.Sessions, "source", SessionExportFormat.Json);
    }

    private static async Task<byte[]> WriteAsync(SessionDocument document)
    {
        using var stream = new MemoryStream();
        await SessionFormat.WriteAsync(stream, document);
        return stream.ToArray();
    }
}
