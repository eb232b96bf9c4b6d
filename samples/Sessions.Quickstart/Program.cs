// Sessions.Sdk quickstart: persistent, resumable conversations on Microsoft.Extensions.AI.
// Runs offline: the "model" is OfflineEchoChatClient (no server, no API key), and sessions are stored as files.
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

static ServiceProvider BuildServices(string storageDirectory, (string Provider, string Model, IChatClient Client, string Description) model)
{
    var services = new ServiceCollection();
    services.AddSessions(o => o.DefaultProvider = model.Provider)
        .UseFileStorage(storageDirectory)
        .AddChatProvider(model.Provider, model.Client, model.Model);
    return services.BuildServiceProvider();
}

// The one place the model is chosen. Real providers (OpenAI, Anthropic) plug in here the same way.
static (string Provider, string Model, IChatClient Client, string Description) ChooseChatClient() =>
    ("offline", OfflineEchoChatClient.ModelName, new OfflineEchoChatClient(), "offline echo model (a local stand-in: no server, no API key)");

static async Task Say(Session session, string text)
{
    Console.WriteLine($"   you> {text}");
    ChatResponse reply = await session.SendAsync(text);
    Console.WriteLine($"   bot> {reply.Text}");
}

static async Task SayStreaming(Session session, string text)
{
    Console.WriteLine($"   you> {text}");
    Console.Write("   bot> ");
    await foreach (ChatResponseUpdate update in session.StreamAsync(text))
    {
        Console.Write(update.Text);
    }

    Console.WriteLine("  (streamed)");
}
