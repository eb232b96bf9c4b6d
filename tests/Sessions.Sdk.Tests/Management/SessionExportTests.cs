using System.Text;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

[TestFixture(CoreStoreKind.Memory)]
[TestFixture(CoreStoreKind.File)]
public sealed class SessionExportTests(CoreStoreKind store) : CoreStoreFixture(store)
{
    [Test]
    public async Task ExportAsync_Json_WritesALosslessSessionDocument()
    {
        var stored = await ExportImportTestSupport.SeedAsync(Sessions);

        var bytes = await ExportImportTestSupport.ExportAsync(Sessions, "golden-1", SessionExportFormat.Json);
        var read = await SessionFormat.ReadAsync(new MemoryStream(bytes));

        Assert.That(Encoding.UTF8.GetString(bytes), Does.StartWith("{\"format\":\"sessions.sdk/session\",\"schemaVersion\":1,"));
        Assert.That(read, Has.Count.EqualTo(1));
        Assert.That(read[0].Session, Is.EqualTo(stored).Using<SessionInfo>(SessionFormatTests.SameInfo));
        Assert.That(FormatTestData.Records(read[0].Messages), Is.EqualTo(FormatTestData.Records(FormatTestData.Messages())));
    }

    [TestCase(SessionExportFormat.Json)]
    [TestCase(SessionExportFormat.Markdown)]
    [TestCase(SessionExportFormat.Text)]
    [TestCase(SessionExportFormat.Html)]
    public async Task ExportAsync_Query_WritesEveryMatchingSessionIntoOneOutput(SessionExportFormat format)
    {
        await ExportImportTestSupport.SeedAsync(Sessions, "a", "Alpha title");
        await ExportImportTestSupport.SeedAsync(Sessions, "b", "Beta title");
        await Sessions.Storage.CreateAsync(new SessionInfo { Id = "other", Title = "Other title", CreatedAt = FormatTestData.Created, UpdatedAt = FormatTestData.Created }, []);
        using var stream = new MemoryStream();

        int count = await Sessions.ExportAsync(new SessionQuery { Tag = "go" }, stream, new SessionExportOptions { Format = format });

        var text = Encoding.UTF8.GetString(stream.ToArray());
        Assert.That(count, Is.EqualTo(2));
        Assert.That(text, Does.Contain("Alpha title").And.Contain("Beta title").And.Not.Contain("Other title"));
        if (format == SessionExportFormat.Json)
        {
            var read = await SessionFormat.ReadAsync(new MemoryStream(stream.ToArray()));
            Assert.That(read.Select(d => d.Session.Id).Order(StringComparer.Ordinal), Is.EqualTo(new[] { "a", "b" }));
            Assert.That(read.Select(d => d.Messages.Count), Is.EqualTo(new[] { 5, 5 }));
        }
    }

    [Test]
    public async Task ExportAsync_Text_ShowsHeaderAndEachMessageWithRoleTimeModelAndTokens()
    {
        await ExportImportTestSupport.SeedAsync(Sessions);

        var text = Encoding.UTF8.GetString(await ExportImportTestSupport.ExportAsync(Sessions, "golden-1", SessionExportFormat.Text));

        Assert.That(text, Does.StartWith("Session: Golden session\nID: golden-1\nCreated: 2026-01-15 10:30:00Z\n"));
        Assert.That(text, Does.Contain("Provider: openai\nModel: gpt-4o-mini\n"));
        Assert.That(text, Does.Contain("[User · 2026-01-15 10:30:05Z · pinned]\nHow do I create a REST API in Go?\n"));
        Assert.That(text, Does.Contain("[Assistant · 2026-01-15 10:30:15Z · gpt-4o-mini · 15 tokens]\n(tool call) search_docs({\"query\":\"net/http\"}) [call-1]\n"));
        Assert.That(text, Does.Contain("(tool result) [call-1] net/http docs: use http.HandleFunc"));
        Assert.That(text, Does.Contain("[Assistant · 2026-01-15 10:30:20Z · gpt-4o-mini · 27 tokens]\nUse net/http with http.HandleFunc.\n"));
        Assert.That(text, Does.Contain("(data) image/png, 3 bytes"));
    }

    [Test]
    public async Task ExportAsync_Markdown_UsesHeadingsAndFencesThatBodiesCannotClose()
    {
        await ExportImportTestSupport.SeedAsync(Sessions, messages: [ExportImportTestSupport.Text(ChatRole.User, "x", 1), new SessionMessage
        {
            Timestamp = FormatTestData.Created,
            Message = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c", "run", new Dictionary<string, object?> { ["code"] = "```\nrm -rf /\n```" })]),
        }]);

        var text = Encoding.UTF8.GetString(await ExportImportTestSupport.ExportAsync(Sessions, "golden-1", SessionExportFormat.Markdown));

        Assert.That(text, Does.StartWith("# Golden session\n"));
        Assert.That(text, Does.Contain("| ID | golden-1 |"));
        Assert.That(text, Does.Contain("### User · 2026-01-15 10:30:01Z\n\nx\n"));
        Assert.That(text, Does.Contain("**Tool call**\n\n````json\n"));
    }

    [Test]
    public async Task ExportAsync_Html_EscapesEverythingAndRunsNoScript()
    {
        var hostile = "<script>alert(1)</script>\" onload=\"alert(2)\" <img src=x onerror=alert(3)>";
        await Sessions.Storage.CreateAsync(
            new SessionInfo { Id = "h", Title = hostile, Tags = [hostile], Metadata = new Dictionary<string, string> { [hostile] = hostile }, SystemPrompt = hostile, CreatedAt = FormatTestData.Created, UpdatedAt = FormatTestData.Created },
            [ExportImportTestSupport.Text(new ChatRole("<b onclick=x>"), hostile, 1),
             new SessionMessage { Timestamp = FormatTestData.Created, ModelId = hostile, Message = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(hostile, hostile, new Dictionary<string, object?> { [hostile] = hostile }), new FunctionResultContent(hostile, hostile)]) }]);

        var html = Encoding.UTF8.GetString(await ExportImportTestSupport.ExportAsync(Sessions, "h", SessionExportFormat.Html));

        Assert.That(html, Does.StartWith("<!DOCTYPE html>"));
        Assert.That(html, Does.Contain("Content-Security-Policy").And.Contain("default-src 'none'"));
        Assert.That(html, Does.Not.Contain("<script").IgnoreCase);
        Assert.That(html, Does.Not.Contain("<img").IgnoreCase);
        Assert.That(html, Does.Not.Contain("<b ").IgnoreCase);
        Assert.That(html, Does.Not.Contain("\" onload").IgnoreCase);
        Assert.That(html, Does.Contain("&lt;img src=x onerror=alert(3)&gt;"));
        Assert.That(html, Does.Contain("&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload=&quot;alert(2)&quot;"));
        Assert.That(html.TrimEnd(), Does.EndWith("</body></html>"));
    }

    [TestCase(SessionExportFormat.Json)]
    [TestCase(SessionExportFormat.Markdown)]
    [TestCase(SessionExportFormat.Text)]
    [TestCase(SessionExportFormat.Html)]
    public async Task ExportAsync_WithRedactor_NoPlantedSecretAppearsInTheBytes(SessionExportFormat format)
    {
        await PlantSecretsAsync();

        var plain = await ExportImportTestSupport.ExportAsync(Sessions, "secret", format);
        var redacted = await ExportImportTestSupport.ExportAsync(Sessions, "secret", format, SessionRedactor.Default);

        foreach (var secret in Secrets)
        {
            Assert.That(Contains(plain, secret), Is.True, $"the unredacted {format} export should hold {secret[..8]}… (or the test proves nothing)");
            Assert.That(Contains(redacted, secret), Is.False, $"the redacted {format} export leaks {secret[..8]}…");
        }

        Assert.That(Contains(redacted, SessionRedactor.DefaultReplacement), Is.True);
        Assert.That(Contains(redacted, "someone@example.com"), Is.True, "e-mails are redacted only on request");
    }

    [Test]
    public async Task ExportAsync_RedactedJson_StaysAnImportableSessionDocument()
    {
        await PlantSecretsAsync();

        var bytes = await ExportImportTestSupport.ExportAsync(Sessions, "secret", SessionExportFormat.Json, SessionRedactor.Create(includeEmails: true));
        var read = await SessionFormat.ReadAsync(new MemoryStream(bytes));

        Assert.That(read[0].Messages, Has.Count.EqualTo(3));
        Assert.That(read[0].Messages[0].Text, Does.Contain("[REDACTED]").And.Not.Contain("someone@example.com"));
        Assert.That(read[0].Messages[1].Message.Contents[0], Is.InstanceOf<FunctionCallContent>());
    }

    [Test]
    public async Task ExportAsync_MissingSession_ThrowsSessionNotFoundException()
    {
        var ex = await Assert.ThrowsAsync<SessionNotFoundException>(async () => await Sessions.ExportAsync("nope", new MemoryStream()));
        Assert.That(ex!.SessionId, Is.EqualTo("nope"));
    }

    [Test]
    public void ExportAsync_BadArguments_ThrowArgumentExceptionsNamingTheParameter()
    {
        Assert.That(async () => await Sessions.ExportAsync("../x", new MemoryStream()), Throws.ArgumentException.With.Property("ParamName").EqualTo("sessionId"));
        Assert.That(async () => await Sessions.ExportAsync("x", new MemoryStream([], writable: false)), Throws.ArgumentException.With.Property("ParamName").EqualTo("stream"));
        Assert.That(async () => await Sessions.ExportAsync((SessionQuery)null!, new MemoryStream()), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("query"));
    }

    internal static readonly string[] Secrets =
    [
        "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
        "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe",
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "ghp_1234567890abcdefghijABCDEFGHIJ123456",
        "eyJhbGciOiJIUzI1NiJ9.payloadpart.signaturepart",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ",
    ];

    private async Task PlantSecretsAsync()
    {
        var privateKey = "-----BEGIN PRIVATE KEY-----\n" + Secrets[6] + "\n-----END PRIVATE KEY-----";
        await Sessions.Storage.CreateAsync(
            new SessionInfo
            {
                Id = "secret",
                Title = "Keys " + Secrets[0],
                SystemPrompt = "Use " + Secrets[1],
                Metadata = new Dictionary<string, string> { ["aws"] = "aws_secret_access_key=" + Secrets[3] },
                CreatedAt = FormatTestData.Created,
                UpdatedAt = FormatTestData.Created,
            },
            [
                ExportImportTestSupport.Text(ChatRole.User, $"my key is {Secrets[0]} and {Secrets[2]}, mail someone@example.com", 1),
                new SessionMessage
                {
                    Timestamp = FormatTestData.Created,
                    Message = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "http", new Dictionary<string, object?> { ["auth"] = "Bearer " + Secrets[5], ["token"] = Secrets[4] })]),
                },
                new SessionMessage { Timestamp = FormatTestData.Created, Message = new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", privateKey + " and " + Secrets[1])]) },
            ]);
    }

    private static bool Contains(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;
}
