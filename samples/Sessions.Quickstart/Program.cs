// Sessions.Sdk quickstart: persistent, resumable conversations on Microsoft.Extensions.AI.
// Runs offline by default: the "model" is the library's demo model (AddDemoProvider: an echoing stand-in, no server,
// no API key), and sessions are stored as files in a folder that is kept between runs: run it twice, and the second
// run resumes the conversation of the first.
// Set OPENAI_API_KEY (and/or OPENAI_BASE_URL for Ollama, vLLM, llama.cpp; OPENAI_MODEL to pick a model) or
// ANTHROPIC_API_KEY (ANTHROPIC_MODEL) to talk to a real model instead. SESSIONS_QUICKSTART_DIR moves the store.
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sessions.Sdk;

try
{
    return await RunAsync();
}
catch (Exception ex) when (ex is SessionsException or OptionsValidationException or InvalidOperationException or ArgumentException or IOException or UnauthorizedAccessException)
{
    // One clear line, not a stack trace: what failed and what to do about it is in the message.
    Console.Error.WriteLine($"error: {ex.GetType().Name}: {FirstLine(ex.Message)}");
    return 1;
}

static async Task<int> RunAsync()
{
    // A fixed folder of its own, kept between runs (the library's default would be LocalApplicationData/Sessions.Quickstart/sessions).
    string storageDirectory = Environment.GetEnvironmentVariable("SESSIONS_QUICKSTART_DIR") is { Length: > 0 } dir
        ? dir
        : Path.Combine(Path.GetTempPath(), "sessions-quickstart");

    var model = ChooseChatClient();
    Console.WriteLine("Sessions.Sdk quickstart");
    Console.WriteLine($"  model:   {model.Description}");
    Console.WriteLine($"  storage: file store in {storageDirectory} (kept between runs)");
    Console.WriteLine();

    const string SessionId = "support-1234";
    bool resumedRun;

    // 1) Open the session if an earlier run stored it, else create it; then send and stream. Every message is on disk
    //    before each call returns (autosave).
    await using (var services = BuildServices(storageDirectory, model))
    {
        var sessions = services.GetRequiredService<ISessionManager>();
        Session session = await sessions.Create(SessionId)
            .WithTitle("Order question")
            .WithTags("support", "orders")
            .WithMetadata("customer", "42")
            .WithSystemPrompt("You are a support agent.")
            .OpenOrCreateAsync();
        resumedRun = session.MessageCount > 0;
        if (resumedRun)
        {
            Console.WriteLine($"1) Resumed session '{session.Id}' \"{session.Title}\" from an earlier run: {session.MessageCount} messages already stored; the last two:");
            foreach (SessionMessage m in await session.GetMessagesAsync(last: 2))
            {
                Console.WriteLine($"   #{m.Sequence} {m.Role}: {m.Text}");
            }

            await Say(session, "I'm back. Any news on my order?");
        }
        else
        {
            Console.WriteLine($"1) Created session '{session.Id}' \"{session.Title}\" [{string.Join(", ", session.Tags)}]");
            await Say(session, "Where is my order?");
            await SayStreaming(session, "And when will it ship?");
        }

        Console.WriteLine($"   stored: {session.MessageCount} messages, {session.Usage.TotalTokens} tokens in {session.Usage.Requests} model calls");
    }

    Console.WriteLine();

    // 2) A brand-new service provider (as after a restart) finds the session on disk and carries on.
    await using (var services = BuildServices(storageDirectory, model))
    {
        var sessions = services.GetRequiredService<ISessionManager>();
        Session resumed = await sessions.ResumeLastAsync() ?? throw new InvalidOperationException("The session was not persisted.");
        Console.WriteLine($"2) Resumed '{resumed.Id}' in a new ServiceProvider: {resumed.MessageCount} messages on disk; the last two:");
        foreach (SessionMessage m in await resumed.GetMessagesAsync(last: 2))
        {
            Console.WriteLine($"   #{m.Sequence} {m.Role}: {m.Text}");
        }

        await Say(resumed, "Thanks! Can I change the address?");

        // 3) Branch at message 2: an independent copy of the first two messages, to explore another answer.
        string branchId = $"{SessionId}-alt";
        await sessions.DeleteAsync(branchId); // an earlier run's branch: this run makes a fresh one
        Session branch = await resumed.BranchAsync(branchId, atMessage: 2);
        Console.WriteLine();
        Console.WriteLine($"3) Branched '{branch.Id}' from '{branch.Info.ParentSessionId}' at message {branch.Info.BranchedAtSequence}: {branch.MessageCount} messages copied");
        await Say(branch, "Actually, please cancel the order.");
        Console.WriteLine($"   original still has {(await sessions.GetInfoAsync(resumed.Id))!.MessageCount} messages; the branch has {branch.MessageCount}");

        // 4) List sessions without loading their messages.
        Console.WriteLine();
        Console.WriteLine("4) Sessions tagged 'support', most recently updated first:");
        await foreach (SessionInfo info in sessions.ListAsync(new SessionQuery { Tag = "support", Take = 20 }))
        {
            Console.WriteLine($"   {info.Id,-18} {info.MessageCount,3} messages  updated {info.UpdatedAt:u}  \"{info.Title}\"");
        }
    }

    Console.WriteLine();
    Console.WriteLine($"Done. The sessions stay in {storageDirectory}.");
    Console.WriteLine(resumedRun
        ? "This run resumed the conversation an earlier run stored. Delete that folder to start over."
        : "Run the sample again: the next run resumes this conversation from disk.");
    Console.WriteLine();
    Console.WriteLine("Read next in README.md: \"Quick start\" (the same in your own app), \"The session\", \"Choosing a store\",");
    Console.WriteLine("\"Providers\" (a real model instead of the demo one), then \"Tools\" and \"Context-window policies\".");
    return 0;
}

static string FirstLine(string message)
{
    int end = message.IndexOfAny(['\r', '\n']);
    return end < 0 ? message : message[..end];
}

static ServiceProvider BuildServices(string storageDirectory, ModelChoice model)
{
    var services = new ServiceCollection();
    var builder = services.AddSessions(o => o.DefaultProvider = model.Provider)
        .UseFileStorage(storageDirectory);
    model.Register(builder);
    return services.BuildServiceProvider();
}

// The one place the model is chosen: a real provider when its environment variables are set, else the offline stand-in.
static ModelChoice ChooseChatClient()
{
    string? openAIKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
    string? openAIBaseUrl = Environment.GetEnvironmentVariable("OPENAI_BASE_URL");
    if (!string.IsNullOrWhiteSpace(openAIKey) || !string.IsNullOrWhiteSpace(openAIBaseUrl))
    {
        string? modelId = Environment.GetEnvironmentVariable("OPENAI_MODEL");
        string where = string.IsNullOrWhiteSpace(openAIBaseUrl) ? "api.openai.com" : openAIBaseUrl;
        return new("openai", $"OpenAI-compatible server at {where}, model {modelId ?? "gpt-4o-mini (default)"}", b => b.AddOpenAIProvider("openai", o =>
        {
            // ApiKey and Endpoint come from OPENAI_API_KEY / OPENAI_BASE_URL; the key is optional for local servers.
            if (!string.IsNullOrWhiteSpace(modelId)) o.DefaultModel = modelId;
        }));
    }

    if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY")))
    {
        string? modelId = Environment.GetEnvironmentVariable("ANTHROPIC_MODEL");
        return new("anthropic", $"Anthropic, model {modelId ?? "claude-sonnet-4-5 (default)"}", b => b.AddAnthropicProvider("anthropic", o =>
        {
            if (!string.IsNullOrWhiteSpace(modelId)) o.DefaultModel = modelId;
        }));
    }

    Console.WriteLine("No model configured, so this run uses the offline demo model. To chat with a real model, set one of:");
    Console.WriteLine("  OPENAI_API_KEY=sk-...                        (OpenAI; optionally OPENAI_MODEL=gpt-4o-mini)");
    Console.WriteLine("  OPENAI_BASE_URL=http://localhost:11434/v1    (Ollama, vLLM, llama.cpp or another OpenAI-compatible server; OPENAI_MODEL=<model>)");
    Console.WriteLine("  ANTHROPIC_API_KEY=sk-ant-...                 (Anthropic; optionally ANTHROPIC_MODEL=<model>)");
    Console.WriteLine();
    return new("demo", "the library's offline demo model (AddDemoProvider: an echoing stand-in, no server, no API key)",
        b => b.AddDemoProvider("demo"));
}

static async Task Say(Session session, string text)
{
    Console.WriteLine($"   you> {text}");
    try
    {
        ChatResponse reply = await session.SendAsync(text);
        Console.WriteLine($"   bot> {reply.Text}");
    }
    catch (ChatProviderException ex)
    {
        Fail(session, ex);
    }
}

// The user's message is already stored when a model call fails, so the session can be resumed and retried later.
static void Fail(Session session, ChatProviderException ex)
{
    Console.Error.WriteLine();
    Console.Error.WriteLine($"error: the model call failed ({ex.ProviderName}{(ex.StatusCode is { } code ? $", HTTP {code}" : string.Empty)}): {FirstLine(ex.Message)} Session '{session.Id}' keeps your message; check the provider settings and run again.");
    Environment.Exit(1);
}

static async Task SayStreaming(Session session, string text)
{
    Console.WriteLine($"   you> {text}");
    Console.Write("   bot> ");
    try
    {
        await foreach (ChatResponseUpdate update in session.StreamAsync(text))
        {
            Console.Write(update.Text);
        }
    }
    catch (ChatProviderException ex)
    {
        Fail(session, ex);
    }

    Console.WriteLine("  (streamed)");
}

/// <summary>The model the quickstart talks to: the provider name, a description, and how to register it.</summary>
internal sealed record ModelChoice(string Provider, string Description, Action<ISessionsBuilder> Register);
