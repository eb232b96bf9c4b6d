// Sessions.Sdk quickstart: persistent, resumable conversations on Microsoft.Extensions.AI.
// Runs offline by default: the "model" is OfflineEchoChatClient (no server, no API key), and sessions are stored as files.
// Set OPENAI_API_KEY (and/or OPENAI_BASE_URL for Ollama, vLLM, llama.cpp; OPENAI_MODEL to pick a model) or
// ANTHROPIC_API_KEY (ANTHROPIC_MODEL) to talk to a real model instead.
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Sessions.Quickstart;
using Sessions.Sdk;

string storageDirectory = Path.Combine(Path.GetTempPath(), "sessions-quickstart");
if (Directory.Exists(storageDirectory))
{
    Directory.Delete(storageDirectory, recursive: true); // start fresh so every run prints the same story
}

var model = ChooseChatClient();
Console.WriteLine("Sessions.Sdk quickstart");
Console.WriteLine($"  model:   {model.Description}");
Console.WriteLine($"  storage: file store in {storageDirectory}");
Console.WriteLine();

// 1) Create a session, send to it and stream from it. Every message is on disk before each call returns (autosave).
await using (var services = BuildServices(storageDirectory, model))
{
    var sessions = services.GetRequiredService<ISessionManager>();
    Session session = await sessions.Create("support-1234")
        .WithTitle("Order question")
        .WithTags("support", "orders")
        .WithMetadata("customer", "42")
        .WithSystemPrompt("You are a support agent.")
        .CreateAsync();
    Console.WriteLine($"1) Created session '{session.Id}' \"{session.Title}\" [{string.Join(", ", session.Tags)}]");

    await Say(session, "Where is my order?");
    await SayStreaming(session, "And when will it ship?");
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
    Session branch = await resumed.BranchAsync("support-1234-alt", atMessage: 2);
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
Console.WriteLine($"Done. The session files are in {storageDirectory} (the next run starts fresh).");

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

    Console.WriteLine("No model configured, so this run uses an offline echo model. To chat with a real model, set one of:");
    Console.WriteLine("  OPENAI_API_KEY=sk-...                        (OpenAI; optionally OPENAI_MODEL=gpt-4o-mini)");
    Console.WriteLine("  OPENAI_BASE_URL=http://localhost:11434/v1    (Ollama, vLLM, llama.cpp or another OpenAI-compatible server; OPENAI_MODEL=<model>)");
    Console.WriteLine("  ANTHROPIC_API_KEY=sk-ant-...                 (Anthropic; optionally ANTHROPIC_MODEL=<model>)");
    Console.WriteLine();
    return new("offline", "offline echo model (a local stand-in: no server, no API key)",
        b => b.AddChatProvider("offline", new OfflineEchoChatClient(), OfflineEchoChatClient.ModelName));
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
    Console.Error.WriteLine($"The model call failed ({ex.ProviderName}{(ex.StatusCode is { } code ? $", HTTP {code}" : string.Empty)}): {ex.Message}");
    Console.Error.WriteLine($"Session '{session.Id}' keeps your message; check the provider settings and run again.");
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
