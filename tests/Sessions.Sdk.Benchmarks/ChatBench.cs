using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Benchmarks;

/// <summary>Shared plumbing of the chat workloads (W5, W8): a zero-latency fake model and a read-counting storage decorator.</summary>
internal static class ChatBench
{
    /// <summary>Builds a session manager as an application would: AddSessions, the given storage, one fake provider, the full pipeline.</summary>
    /// <remarks><paramref name="historyWindow"/> <see langword="null"/> keeps the default options (100 messages, the model's window as a token budget).</remarks>
    public static (ServiceProvider Provider, ISessionManager Sessions) CreateManager(ISessionStorage? storage, IChatClient client, int? historyWindow, Action<ChatPipelineOptions>? configure = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddSessions(o =>
        {
            if (historyWindow is { } window) o.MaxHistoryMessages = window;
        });
        _ = storage is null ? builder.UseMemoryStorage() : builder.UseStorage(storage);
        builder
            .AddChatProvider("fake", client, "fake-model")
            .AddModel(new ChatModelInfo { ProviderName = "fake", ModelId = "fake-model", ContextWindow = 128_000, InputPricePerMillion = 2.5m, OutputPricePerMillion = 10m });
        if (configure is not null) builder.ConfigureChat(configure);
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<ISessionManager>());
    }

    public static ISessionStorage CreateFileStorage(string directory) => FileBench.CreateStorage(directory);

    public static double Microseconds(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
}

/// <summary>A model that answers at once with a fixed short reply and usage; each reply is a new message (the payload).</summary>
internal sealed class ZeroLatencyChatClient : IChatClient
{
    private static readonly ChatClientMetadata Metadata = new("fake", null, "fake-model");

    public int Calls { get; private set; }

    /// <summary>Gets how many messages the last non-streaming call was given.</summary>
    public int LastMessageCount { get; private set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Calls++;
        LastMessageCount = messages is ICollection<ChatMessage> c ? c.Count : messages.Count();
        return Task.FromResult(CreateReply());
    }

    public static ChatResponse CreateReply() => new(new ChatMessage(ChatRole.Assistant, "ok"))
    {
        ModelId = "fake-model",
        Usage = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 1, TotalTokenCount = 101 },
    };

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Calls++;
        await Task.CompletedTask;
        yield return new ChatResponseUpdate(ChatRole.Assistant, "ok") { ModelId = "fake-model" };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType == typeof(ChatClientMetadata) ? Metadata : null;

    public void Dispose()
    {
    }
}

/// <summary>Counts the messages read through <see cref="ISessionStorage.GetMessagesAsync"/> (the O(window) check of W8).</summary>
internal sealed class CountingStorage(ISessionStorage inner) : ISessionStorage
{
    public long MessagesRead { get; private set; }

    public ValueTask<SessionInfo> CreateAsync(SessionInfo session, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default) => inner.CreateAsync(session, messages, cancellationToken);

    public ValueTask<SessionInfo?> GetAsync(string sessionId, CancellationToken cancellationToken = default) => inner.GetAsync(sessionId, cancellationToken);

    public ValueTask<IReadOnlyList<SessionMessage>> AppendMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default) => inner.AppendMessagesAsync(sessionId, messages, cancellationToken);

    public async ValueTask<IReadOnlyList<SessionMessage>> GetMessagesAsync(string sessionId, MessageRange range, CancellationToken cancellationToken = default)
    {
        var messages = await inner.GetMessagesAsync(sessionId, range, cancellationToken);
        MessagesRead += messages.Count;
        return messages;
    }

    public ValueTask<SessionInfo> UpdateAsync(SessionInfo session, CancellationToken cancellationToken = default) => inner.UpdateAsync(session, cancellationToken);

    public ValueTask<SessionInfo> ReplaceMessagesAsync(string sessionId, IReadOnlyList<SessionMessage> messages, long expectedVersion, CancellationToken cancellationToken = default) => inner.ReplaceMessagesAsync(sessionId, messages, expectedVersion, cancellationToken);

    public ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default) => inner.DeleteAsync(sessionId, cancellationToken);

    public ValueTask<bool> ExistsAsync(string sessionId, CancellationToken cancellationToken = default) => inner.ExistsAsync(sessionId, cancellationToken);

    public IAsyncEnumerable<SessionInfo> ListAsync(SessionQuery query, CancellationToken cancellationToken = default) => inner.ListAsync(query, cancellationToken);
}
