using System.Text.Json;

namespace Sessions.Cli.Tests;

/// <summary>`sessions chat` run as a process against a loopback OpenAI-protocol server.</summary>
[NonParallelizable]
public sealed class CliChatTests
{
    private string _store = null!;
    private FakeOpenAIServer _server = null!;
    private CliRunner _cli = null!;

    [SetUp]
    public void SetUp()
    {
        _store = Directory.CreateTempSubdirectory("sessions-cli-").FullName;
        _server = new FakeOpenAIServer();
        _cli = new CliRunner(_store);
        _cli.Environment["OPENAI_BASE_URL"] = _server.BaseUrl;
        _cli.Environment["OPENAI_API_KEY"] = "sk-test";
    }

    [TearDown]
    public async Task TearDown()
    {
        await _server.DisposeAsync();
        Directory.Delete(_store, recursive: true);
    }

    private async Task<JsonElement> ShowJsonAsync(string id)
    {
        var show = await _cli.RunAsync("show", id, "--format", "json");
        Assert.That(show.ExitCode, Is.Zero, show.ToString());
        return JsonDocument.Parse(show.Out).RootElement.Clone();
    }

    private async Task<JsonElement[]> ListJsonAsync(params string[] extra)
    {
        var list = await _cli.RunAsync(["list", "--format", "json", .. extra]);
        Assert.That(list.ExitCode, Is.Zero, list.ToString());
        return [.. JsonDocument.Parse(list.Out).RootElement.EnumerateArray()];
    }

    [Test]
    public async Task Chat_OneMessage_AnswersAndStoresTheExchange_ThenResumeContinuesIt()
    {
        var first = await _cli.RunAsync("chat", "hello there");
        Assert.That(first.ExitCode, Is.Zero, first.ToString());
        Assert.That(first.Out.Trim(), Is.EqualTo("echo: hello there"));

        var again = await _cli.RunAsync("chat", "-r", "and again");
        Assert.That(again.ExitCode, Is.Zero, again.ToString());
        Assert.That(again.Out.Trim(), Is.EqualTo("echo: and again"));

        var sessions = await ListJsonAsync();
        Assert.That(sessions, Has.Length.EqualTo(1), "-r resumed the same session");
        var shown = await ShowJsonAsync(sessions[0].GetProperty("id").GetString()!);
        var texts = shown.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString(), m.GetProperty("text").GetString())).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(texts, Is.EqualTo(new[] { ("user", "hello there"), ("assistant", "echo: hello there"), ("user", "and again"), ("assistant", "echo: and again") }));
            Assert.That(shown.GetProperty("session").GetProperty("title").GetString(), Is.EqualTo("hello there"), "titled from the first message");
            var secondRequest = _server.Requests[1].GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()).ToList();
            Assert.That(secondRequest, Is.EqualTo(new[] { "user", "assistant", "user" }), "the resumed turn sent the history");
        });
    }

    [Test]
    public async Task Chat_PipedInput_IsTheMessage()
    {
        var result = await _cli.RunWithInputAsync("from a pipe\n", "chat", "--session", "piped", "--tags", "a,b");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Out.Trim(), Is.EqualTo("echo: from a pipe"));
        var shown = await ShowJsonAsync("piped");
        Assert.That(shown.GetProperty("session").GetProperty("tags").EnumerateArray().Select(t => t.GetString()), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(shown.GetProperty("session").GetProperty("messageCount").GetInt64(), Is.EqualTo(2));
    }

    [Test]
    public async Task Chat_SessionOption_CreatesThenReusesThatSession_WithSystemPrompt()
    {
        var one = await _cli.RunAsync("chat", "-s", "named", "--system", "Be terse.", "one");
        var two = await _cli.RunAsync("chat", "-s", "named", "two");

        Assert.That(one.ExitCode + two.ExitCode, Is.Zero, one + "\n" + two);
        var roles = _server.Requests[1].GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()).ToList();
        Assert.That(roles, Is.EqualTo(new[] { "system", "user", "assistant", "user" }));
        Assert.That((await ShowJsonAsync("named")).GetProperty("session").GetProperty("systemPrompt").GetString(), Is.EqualTo("Be terse."));
    }

    [Test]
    public async Task Chat_InteractiveLoop_EverySlashCommand_DrivenThroughStandardInput()
    {
        string export = Path.Combine(_store, "export.md");
        string script = string.Join('\n',
            "/help",
            "first message",
            "/history",
            "/tools",
            "/stats",
            "/save",
            $"/export {export}",
            "/branch loop-branch",
            "on the branch",
            "/load loop",
            "/clear",
            "/history",
            "/nonsense",
            "/exit",
            "never sent") + "\n";

        var result = await _cli.RunWithInputAsync(script, "chat", "-i", "-s", "loop");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(result.Out, Does.Contain("/history [N]"), "/help lists the commands");
            Assert.That(result.Out, Does.Contain("echo: first message"));
            Assert.That(result.Out, Does.Contain("user · #1"), "/history shows the stored messages");
            Assert.That(result.Out, Does.Contain("No tools are registered."));
            Assert.That(result.Out, Does.Contain("2 messages (user 1, assistant 1)"), "/stats");
            Assert.That(result.Out, Does.Contain("Saved loop (2 messages)."));
            Assert.That(result.Out, Does.Contain("Branched into loop-branch"));
            Assert.That(result.Out, Does.Contain("echo: on the branch"));
            Assert.That(result.Out, Does.Contain("Loaded loop (2 messages)."));
            Assert.That(result.Out, Does.Contain("Cleared."));
            Assert.That(result.Out, Does.Contain("Unknown command /nonsense. Type /help."));
            Assert.That(result.Out, Does.Not.Contain("never sent"));
            Assert.That(File.ReadAllText(export), Does.Contain("echo: first message"));
        });
        Assert.That((await ShowJsonAsync("loop")).GetProperty("messages").GetArrayLength(), Is.Zero, "/clear emptied the loaded session");
        var branch = await ShowJsonAsync("loop-branch");
        Assert.That(branch.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()),
            Is.EqualTo(new[] { "first message", "echo: first message", "on the branch", "echo: on the branch" }));
        Assert.That(_server.Requests, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Chat_AnthropicProvider_AnswersThroughTheMessagesApi_StreamedAndNot()
    {
        // The Anthropic SDK serializes with reflection: this is the run that proves the shipped (Native AOT) tool can use it.
        _cli.Environment["OPENAI_BASE_URL"] = null;
        _cli.Environment["OPENAI_API_KEY"] = null;
        _cli.Environment["ANTHROPIC_API_KEY"] = "sk-ant-test";
        _cli.Environment["ANTHROPIC_BASE_URL"] = _server.AnthropicBaseUrl;

        var first = await _cli.RunAsync("chat", "-s", "claude", "--provider", "anthropic", "--model", "claude-test", "hello claude");
        var piped = await _cli.RunWithInputAsync("piped to claude\n", "chat", "-s", "claude", "--provider", "anthropic", "--model", "claude-test");

        Assert.Multiple(() =>
        {
            Assert.That(first.ExitCode, Is.Zero, first.ToString());
            Assert.That(first.Out.Trim(), Is.EqualTo("echo: hello claude"));
            Assert.That(piped.ExitCode, Is.Zero, piped.ToString());
            Assert.That(piped.Out.Trim(), Is.EqualTo("echo: piped to claude"));
        });
        var texts = (await ShowJsonAsync("claude")).GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString());
        Assert.That(texts, Is.EqualTo(new[] { "hello claude", "echo: hello claude", "piped to claude", "echo: piped to claude" }));
        Assert.That(_server.Requests.Select(r => r.GetProperty("max_tokens").ValueKind), Is.All.EqualTo(JsonValueKind.Number), "Anthropic Messages API requests");
    }

    [Test]
    public async Task Chat_NoProviderConfigured_FailsWithOneLineNamingTheVariables()
    {
        _cli.Environment["OPENAI_BASE_URL"] = null;
        _cli.Environment["OPENAI_API_KEY"] = null;

        var result = await _cli.RunAsync("chat", "hi");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Error.Trim().Split('\n'), Has.Length.EqualTo(1), "one line, no stack trace");
        Assert.That(result.Error, Does.Contain("OPENAI_API_KEY").And.Contain("ANTHROPIC_API_KEY"));
    }

    [Test]
    public async Task Chat_ProviderError_IsOneLineExitOne_AndVerboseShowsDetails()
    {
        var result = await _cli.RunAsync("chat", "-s", "f", "please [fail]");
        var verbose = await _cli.RunAsync("chat", "-s", "f", "--verbose", "again [fail]");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Error.Trim().Split('\n'), Has.Length.EqualTo(2), "the session line, then one error line");
            Assert.That(result.Error, Does.Contain("error:").And.Contain("400"));
            Assert.That(result.Error, Does.Not.Contain("   at "));
            Assert.That(verbose.Error, Does.Contain("   at "), "--verbose prints the stack trace");
        });
    }

    [Test]
    public async Task Chat_UnknownProvider_IsAUsageError()
    {
        var result = await _cli.RunAsync("chat", "--provider", "nosuch", "hi");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Error, Does.Contain("Unknown provider 'nosuch'"));
    }

    [Test]
    public async Task Chat_DemoProvider_AnswersOffline_AndResumes()
    {
        _cli.Environment["OPENAI_BASE_URL"] = null;
        _cli.Environment["OPENAI_API_KEY"] = null;

        var first = await _cli.RunAsync("chat", "--provider", "demo", "Where is my order?");
        var second = await _cli.RunAsync("chat", "--provider", "demo", "-r", "And when will it ship?");

        Assert.That(first.ExitCode + second.ExitCode, Is.Zero, first + "\n" + second);
        Assert.That(first.Out, Does.Contain("(demo model) You said \"Where is my order?\""));
        Assert.That(second.Out, Does.Contain("I was given 3 messages (2 from you)"), "-r resumed the first chat");
        Assert.That(_server.Requests, Is.Empty, "nothing went to a server");
    }
}
