using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Sessions.Cli.Tests;

/// <summary>
/// An OpenAI chat-completions server on 127.0.0.1 for end-to-end tests of the tool. Every request is answered by
/// <see cref="Reply"/> (default: <c>echo: {last user message}</c>), as JSON or as server-sent events when the
/// request asks to stream. A user message containing <c>[slow]</c> streams one word every 300 ms; one containing
/// <c>[fail]</c> gets an HTTP 400 error. A request to <c>/v1/messages</c> is answered in the Anthropic Messages API's
/// format instead (give <see cref="AnthropicBaseUrl"/> as ANTHROPIC_BASE_URL).
/// </summary>
internal sealed class FakeOpenAIServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<JsonElement> _requests = new();
    private readonly Task _acceptLoop;

    public FakeOpenAIServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    /// <summary>Gets the base URL to give as OPENAI_BASE_URL.</summary>
    public string BaseUrl => $"http://127.0.0.1:{Port}/v1";

    /// <summary>Gets the base URL to give as ANTHROPIC_BASE_URL (the Anthropic SDK adds /v1/messages).</summary>
    public string AnthropicBaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>Gets the JSON bodies of the chat requests received, in order.</summary>
    public IReadOnlyList<JsonElement> Requests => [.. _requests];

    /// <summary>Computes the reply text from the request's messages (role, text).</summary>
    public Func<IReadOnlyList<(string Role, string Text)>, string> Reply { get; set; } = messages => "echo: " + messages.Last(m => m.Role == "user").Text;

    /// <summary>Computes the reply from the whole request (used before <see cref="Reply"/> when set; null falls through to it).</summary>
    public Func<JsonElement, IReadOnlyList<(string Role, string Text)>, string?>? RequestReply { get; set; }

    /// <summary>Decides, from the request and its last user message, that it gets an HTTP 400 error (as <c>[fail]</c> does).</summary>
    public Func<JsonElement, string, bool>? Fails { get; set; }

    /// <summary>Gets the name of the JSON schema a request asks the reply to follow (response_format), or null.</summary>
    public static string? SchemaName(JsonElement request) =>
        request.TryGetProperty("response_format", out var format) && format.TryGetProperty("json_schema", out var schema) && schema.TryGetProperty("name", out var name)
            ? name.GetString()
            : null;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception)
        {
            // stopping the listener ends the loop
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            var (path, body) = await ReadRequestAsync(stream);
            if (body is null) return;
            var json = JsonDocument.Parse(body).RootElement.Clone();
            _requests.Enqueue(json);
            var messages = json.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString()!, TextOf(m))).ToList();
            string last = messages.LastOrDefault(m => m.Item1 == "user").Item2 ?? "";
            string model = json.TryGetProperty("model", out var mo) ? mo.GetString() ?? "gpt-test" : "gpt-test";
            if (last.Contains("[fail]", StringComparison.Ordinal) || Fails?.Invoke(json, last) == true)
            {
                await RespondAsync(stream, 400, "application/json", """{"error":{"message":"The model refused: bad request","type":"invalid_request_error"}}""");
                return;
            }

            string reply = RequestReply?.Invoke(json, messages) ?? Reply(messages);
            bool streaming = json.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
            if (path.EndsWith("/messages", StringComparison.Ordinal))
            {
                await AnthropicReplyAsync(stream, model, reply, streaming);
                return;
            }

            if (!streaming)
            {
                await RespondAsync(stream, 200, "application/json", JsonSerializer.Serialize(new
                {
                    id = "chatcmpl-1", @object = "chat.completion", created = 1_700_000_000, model,
                    choices = new[] { new { index = 0, message = new { role = "assistant", content = reply }, finish_reason = "stop" } },
                    usage = new { prompt_tokens = 10, completion_tokens = 5, total_tokens = 15 },
                }));
                return;
            }

            var head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            bool slow = last.Contains("[slow]", StringComparison.Ordinal);
            var pieces = slow ? reply.Split(' ').Select((w, i) => i == 0 ? w : " " + w).ToList() : [reply];
            await ChunkAsync(stream, Event(new { id = "c", @object = "chat.completion.chunk", created = 1, model, choices = new[] { new { index = 0, delta = (object)new { role = "assistant", content = "" }, finish_reason = (string?)null } } }));
            foreach (var piece in pieces)
            {
                if (slow) await Task.Delay(300, _stop.Token);
                await ChunkAsync(stream, Event(new { id = "c", @object = "chat.completion.chunk", created = 1, model, choices = new[] { new { index = 0, delta = (object)new { content = piece }, finish_reason = (string?)null } } }));
            }

            await ChunkAsync(stream, Event(new { id = "c", @object = "chat.completion.chunk", created = 1, model, choices = new[] { new { index = 0, delta = (object)new { }, finish_reason = (string?)"stop" } } }));
            await ChunkAsync(stream, Event(new { id = "c", @object = "chat.completion.chunk", created = 1, model, choices = Array.Empty<object>(), usage = new { prompt_tokens = 10, completion_tokens = pieces.Count, total_tokens = 10 + pieces.Count } }));
            await ChunkAsync(stream, "data: [DONE]\n\n");
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the client went away (a cancelled reply)
        }
    }

    /// <summary>Answers an Anthropic Messages API request (POST /v1/messages), as JSON or as its server-sent events.</summary>
    private static async Task AnthropicReplyAsync(NetworkStream stream, string model, string reply, bool streaming)
    {
        var usage = new { input_tokens = 10, output_tokens = 5 };
        if (!streaming)
        {
            await RespondAsync(stream, 200, "application/json", JsonSerializer.Serialize(new
            {
                id = "msg_01", type = "message", role = "assistant", model,
                content = new[] { new { type = "text", text = reply } },
                stop_reason = "end_turn", stop_sequence = (string?)null, usage,
            }));
            return;
        }

        var head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        static string Named(string name, object payload) => $"event: {name}\ndata: {JsonSerializer.Serialize(payload)}\n\n";
        await ChunkAsync(stream, Named("message_start", new
        {
            type = "message_start",
            message = new { id = "msg_s1", type = "message", role = "assistant", model, content = Array.Empty<object>(), stop_reason = (string?)null, stop_sequence = (string?)null, usage },
        }));
        await ChunkAsync(stream, Named("content_block_start", new { type = "content_block_start", index = 0, content_block = new { type = "text", text = "" } }));
        await ChunkAsync(stream, Named("content_block_delta", new { type = "content_block_delta", index = 0, delta = new { type = "text_delta", text = reply } }));
        await ChunkAsync(stream, Named("content_block_stop", new { type = "content_block_stop", index = 0 }));
        await ChunkAsync(stream, Named("message_delta", new { type = "message_delta", delta = new { stop_reason = "end_turn", stop_sequence = (string?)null }, usage = new { output_tokens = 5 } }));
        await ChunkAsync(stream, Named("message_stop", new { type = "message_stop" }));
        await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
    }

    private static string TextOf(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content)) return "";
        return content.ValueKind switch
        {
            JsonValueKind.String => content.GetString() ?? "",
            JsonValueKind.Array => string.Concat(content.EnumerateArray().Where(p => p.TryGetProperty("text", out _)).Select(p => p.GetProperty("text").GetString())),
            _ => "",
        };
    }

    private static string Event(object payload) => $"data: {JsonSerializer.Serialize(payload)}\n\n";

    private static async Task ChunkAsync(NetworkStream stream, string text)
    {
        byte[] data = Encoding.UTF8.GetBytes(text);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(data.Length.ToString("X", CultureInfo.InvariantCulture) + "\r\n"));
        await stream.WriteAsync(data);
        await stream.WriteAsync("\r\n"u8.ToArray());
        await stream.FlushAsync();
    }

    private static async Task RespondAsync(NetworkStream stream, int status, string contentType, string body)
    {
        byte[] data = Encoding.UTF8.GetBytes(body);
        string head = $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Error")}\r\nContent-Type: {contentType}\r\nContent-Length: {data.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(data);
        await stream.FlushAsync();
    }

    /// <summary>Reads one request: its path (from the request line) and its body (null when the client went away).</summary>
    private static async Task<(string Path, string? Body)> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new List<byte>(4096);
        var one = new byte[4096];
        int headerEnd = -1;
        while (headerEnd < 0)
        {
            int n = await stream.ReadAsync(one);
            if (n == 0) return ("", null);
            buffer.AddRange(one.AsSpan(0, n).ToArray());
            headerEnd = IndexOf(buffer, "\r\n\r\n"u8.ToArray());
        }

        string head = Encoding.ASCII.GetString(buffer.GetRange(0, headerEnd).ToArray());
        string[] requestLine = head.Split("\r\n")[0].Split(' ');
        string path = requestLine.Length > 1 ? requestLine[1] : "";
        int length = 0;
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        int bodyStart = headerEnd + 4;
        while (buffer.Count - bodyStart < length)
        {
            int n = await stream.ReadAsync(one);
            if (n == 0) return (path, null);
            buffer.AddRange(one.AsSpan(0, n).ToArray());
        }

        return (path, Encoding.UTF8.GetString(buffer.GetRange(bodyStart, length).ToArray()));
    }

    private static int IndexOf(List<byte> data, byte[] pattern)
    {
        for (int i = 0; i + pattern.Length <= data.Count; i++)
        {
            bool match = true;
            for (int j = 0; j < pattern.Length && match; j++) match = data[i + j] == pattern[j];
            if (match) return i;
        }

        return -1;
    }
}
