using System.Text;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

/// <summary>Sessions with every kind of content, for format, export and import tests.</summary>
internal static class FormatTestData
{
    public static readonly DateTimeOffset Created = new(2026, 1, 15, 10, 30, 0, TimeSpan.Zero);

    public static SessionInfo Info(string id = "golden-1", string title = "Golden session") => new()
    {
        Id = id,
        Title = title,
        Kind = SessionKind.Plan,
        Tags = ["go", "rest-api"],
        Metadata = new Dictionary<string, string> { ["project"] = "backend", ["priority"] = "high" },
        SystemPrompt = "You are a helpful assistant.",
        ProviderName = "openai",
        ModelId = "gpt-4o-mini",
        ParentSessionId = "parent-1",
        BranchedAtSequence = 3,
        MessageCount = 5,
        CreatedAt = Created,
        UpdatedAt = Created.AddMinutes(5),
        Usage = new SessionUsage { InputTokens = 30, OutputTokens = 12, TotalTokens = 42, Cost = 0.0125m, Requests = 2 },
    };

    public static IReadOnlyList<SessionMessage> Messages() =>
    [
        new() { Sequence = 1, Timestamp = Created.AddSeconds(5), Message = new ChatMessage(ChatRole.User, "How do I create a REST API in Go?"), Pinned = true },
        new()
        {
            Sequence = 2,
            Timestamp = Created.AddSeconds(15),
            Message = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", "search_docs", new Dictionary<string, object?> { ["query"] = "net/http" })]),
            ProviderName = "openai",
            ModelId = "gpt-4o-mini",
            Usage = new SessionUsage { InputTokens = 10, OutputTokens = 5, TotalTokens = 15, Cost = 0.005m, Requests = 1 },
            Latency = TimeSpan.FromMilliseconds(250),
        },
        new() { Sequence = 3, Timestamp = Created.AddSeconds(16), Message = new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call-1", "net/http docs: use http.HandleFunc")]) },
        new()
        {
            Sequence = 4,
            Timestamp = Created.AddSeconds(20),
            Message = new ChatMessage(ChatRole.Assistant, "Use net/http with http.HandleFunc."),
            ProviderName = "openai",
            ModelId = "gpt-4o-mini",
            Usage = new SessionUsage { InputTokens = 20, OutputTokens = 7, TotalTokens = 27, Cost = 0.0075m, Requests = 1 },
            Latency = TimeSpan.FromMilliseconds(410.5),
        },
        new() { Sequence = 5, Timestamp = Created.AddSeconds(30), Message = new ChatMessage(ChatRole.User, [new TextContent("And this diagram?"), new DataContent(Encoding.UTF8.GetBytes("PNG"), "image/png")]) },
    ];

    public static SessionDocument Document(string id = "golden-1", string title = "Golden session") => new() { Session = Info(id, title), Messages = Messages() };

    /// <summary>Returns each message's JSON record with the sequence left out (storage reassigns it), for lossless comparisons.</summary>
    public static string[] Records(IEnumerable<SessionMessage> messages) =>
        [.. messages.Select(m => SessionJson.SerializeMessageToString(m with { Sequence = 0 }))];

    public static async Task<byte[]> WriteAsync(SessionDocument document)
    {
        using var stream = new MemoryStream();
        await SessionFormat.WriteAsync(stream, document);
        return stream.ToArray();
    }

    public static async Task<byte[]> WriteBundleAsync(params SessionDocument[] documents)
    {
        using var stream = new MemoryStream();
        await SessionFormat.WriteBundleAsync(stream, documents);
        return stream.ToArray();
    }
}

/// <summary>A read-only, non-seekable stream that returns at most a few bytes per read, to exercise buffer refills.</summary>
internal sealed class TrickleStream(byte[] data, int chunk) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = Math.Min(Math.Min(count, chunk), data.Length - _position);
        Array.Copy(data, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
