using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Sessions.Sdk.Tests;

/// <summary>A hand-written fake chat client whose behaviour is given by callbacks; records every request.</summary>
internal sealed class PipelineTestChatClient : IChatClient
{
    public Func<IList<ChatMessage>, ChatOptions?, CancellationToken, Task<ChatResponse>>? OnGetResponse { get; set; }

    public Func<IList<ChatMessage>, ChatOptions?, CancellationToken, IAsyncEnumerable<ChatResponseUpdate>>? OnGetStreamingResponse { get; set; }

    public ChatClientMetadata Metadata { get; set; } = new("fake", null, "fake-model");

    public List<(List<ChatMessage> Messages, ChatOptions? Options)> Requests { get; } = [];

    public int Calls => Requests.Count;

    /// <summary>Creates a client answering each call with the next scripted response.</summary>
    public static PipelineTestChatClient Scripted(params ChatResponse[] responses)
    {
        int next = 0;
        return new PipelineTestChatClient { OnGetResponse = (_, _, _) => Task.FromResult(responses[Math.Min(next++, responses.Length - 1)]) };
    }

    /// <summary>Creates a client streaming each call's scripted updates.</summary>
    public static PipelineTestChatClient ScriptedStream(params ChatResponseUpdate[][] rounds)
    {
        int next = 0;
        return new PipelineTestChatClient { OnGetStreamingResponse = (_, _, ct) => Yield(rounds[Math.Min(next++, rounds.Length - 1)], ct) };
    }

    public static async IAsyncEnumerable<ChatResponseUpdate> Yield(IEnumerable<ChatResponseUpdate> updates, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var update in updates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return update;
        }
    }

    public static ChatResponse Text(string text, long input = 10, long output = 5, string model = "fake-model") =>
        new(new ChatMessage(ChatRole.Assistant, text)) { ModelId = model, Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output } };

    public static ChatResponse Call(params (string CallId, string Name, Dictionary<string, object?>? Args)[] calls) =>
        new(new ChatMessage(ChatRole.Assistant, [.. calls.Select(c => (AIContent)new FunctionCallContent(c.CallId, c.Name, c.Args))]))
        {
            ModelId = "fake-model",
            Usage = new UsageDetails { InputTokenCount = 20, OutputTokenCount = 3, TotalTokenCount = 23 },
        };

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        Requests.Add((list, options));
        return OnGetResponse?.Invoke(list, options, cancellationToken) ?? throw new InvalidOperationException("no response scripted");
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        Requests.Add((list, options));
        return OnGetStreamingResponse?.Invoke(list, options, cancellationToken) ?? throw new InvalidOperationException("no stream scripted");
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? Metadata : serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}

/// <summary>Captures formatted log lines (level, event id, text including exception) for assertions.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ILoggerFactory
{
    private readonly LogLevel _minimum;

    public CapturingLoggerProvider(LogLevel minimum = LogLevel.Trace) => _minimum = minimum;

    public List<(LogLevel Level, EventId EventId, string Text, string Category, Exception? Exception)> Entries { get; } = [];

    public string AllText
    {
        get
        {
            lock (Entries)
            {
                return string.Join("\n", Entries.Select(e => e.Text));
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            lock (owner.Entries)
            {
                owner.Entries.Add((logLevel, eventId, formatter(state, exception) + (exception is null ? string.Empty : " | " + exception), category, exception));
            }
        }
    }
}
