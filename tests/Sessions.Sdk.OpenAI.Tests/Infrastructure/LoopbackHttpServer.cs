using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Sessions.Sdk.Tests;

/// <summary>A minimal HTTP/1.1 server on 127.0.0.1 that records requests and answers with scripted responses.</summary>
/// <remarks>Raw sockets (not HttpListener) so tests can delay, truncate, reset and stream chunk by chunk. Every
/// response closes its connection. Shared by the provider test projects (linked source).</remarks>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<Func<LoopbackExchange, Task>> _script = new();
    private readonly ConcurrentQueue<LoopbackRequest> _requests = new();
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;

    public LoopbackHttpServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    /// <summary>Gets the server's root address, such as <c>http://127.0.0.1:12345/</c>.</summary>
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>Gets the requests received so far, in order.</summary>
    public IReadOnlyList<LoopbackRequest> Requests => [.. _requests];

    /// <summary>Queues a handler for the next unanswered request.</summary>
    public LoopbackHttpServer Enqueue(Func<LoopbackExchange, Task> handler)
    {
        _script.Enqueue(handler);
        return this;
    }

    public LoopbackHttpServer EnqueueJson(int status, string json, IReadOnlyDictionary<string, string>? headers = null) =>
        Enqueue(x => x.RespondAsync(status, json, "application/json", headers));

    /// <summary>Queues a server-sent-events response, one flushed chunk per event.</summary>
    public LoopbackHttpServer EnqueueSse(IEnumerable<string> events, TimeSpan? delayBetweenEvents = null, bool abortAtEnd = false) =>
        Enqueue(async x =>
        {
            await x.StartChunkedAsync(200, "text/event-stream");
            foreach (var e in events)
            {
                if (delayBetweenEvents is { } delay)
                {
                    await Task.Delay(delay, x.Aborted);
                }

                await x.WriteChunkAsync(e);
            }

            if (abortAtEnd)
            {
                x.Abort();
            }
            else
            {
                await x.EndChunkedAsync();
            }
        });

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
            // Stopping the listener ends the loop with an exception.
        }

        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAny(Task.WhenAll(connections), Task.Delay(TimeSpan.FromSeconds(5)));
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            var task = Task.Run(() => ServeAsync(socket));
            lock (_connections)
            {
                _connections.Add(task);
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            var request = await ReadRequestAsync(stream, linked.Token);
            if (request is null)
            {
                return;
            }

            _requests.Enqueue(request);
            var exchange = new LoopbackExchange(request, stream, socket, linked);
            if (_script.TryDequeue(out var handler))
            {
                await handler(exchange);
            }
            else
            {
                await exchange.RespondAsync(500, """{"error":{"message":"loopback server: no scripted response"}}""", "application/json");
            }

            await stream.FlushAsync(linked.Token);
        }
        catch (Exception) when (linked.IsCancellationRequested || socket.Connected is false)
        {
            // The test stopped the server or the client went away.
        }
        catch (IOException)
        {
            // The client closed the connection (cancellation or timeout on its side).
        }
        finally
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception)
            {
                // Already reset or closed.
            }
        }
    }

    private static async Task<LoopbackRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (!EndsWithBlankLine(head))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                return null;
            }

            head.Add(one[0]);
        }

        var lines = Encoding.ASCII.GetString([.. head]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var existing) ? existing + ", " + value : value;
        }

        byte[] body;
        if (headers.TryGetValue("Content-Length", out var length))
        {
            body = new byte[int.Parse(length, CultureInfo.InvariantCulture)];
            await stream.ReadExactlyAsync(body, cancellationToken);
        }
        else if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = await ReadChunkedAsync(stream, cancellationToken);
        }
        else
        {
            body = [];
        }

        return new LoopbackRequest(requestLine[0], requestLine[1], headers, Encoding.UTF8.GetString(body));
    }

    private static async Task<byte[]> ReadChunkedAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        while (true)
        {
            var sizeLine = await ReadLineAsync(stream, cancellationToken);
            var size = int.Parse(sizeLine.Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                await ReadLineAsync(stream, cancellationToken);
                return body.ToArray();
            }

            var chunk = new byte[size];
            await stream.ReadExactlyAsync(chunk, cancellationToken);
            body.Write(chunk);
            await ReadLineAsync(stream, cancellationToken);
        }
    }

    private static async Task<string> ReadLineAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 2 || bytes[^2] != '\r' || bytes[^1] != '\n')
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new IOException("connection closed inside a chunked body");
            }

            bytes.Add(one[0]);
        }

        return Encoding.ASCII.GetString([.. bytes], 0, bytes.Count - 2);
    }

    private static bool EndsWithBlankLine(List<byte> bytes) =>
        bytes.Count >= 4 && bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n';
}

/// <summary>One request received by <see cref="LoopbackHttpServer"/>.</summary>
internal sealed record LoopbackRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>Parses the body as JSON.</summary>
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>Lets a scripted handler answer one request: whole, chunk by chunk, late, or not at all.</summary>
internal sealed class LoopbackExchange(LoopbackRequest request, NetworkStream stream, Socket socket, CancellationTokenSource aborted)
{
    public LoopbackRequest Request { get; } = request;

    /// <summary>Gets a token cancelled when the server stops or the exchange is aborted.</summary>
    public CancellationToken Aborted => aborted.Token;

    public async Task RespondAsync(int status, string body, string contentType, IReadOnlyDictionary<string, string>? headers = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {ReasonPhrase(status)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {bytes.Length}\r\n")
            .Append("Connection: close\r\n");
        AppendHeaders(head, headers);
        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), Aborted);
        await stream.WriteAsync(bytes, Aborted);
        await stream.FlushAsync(Aborted);
    }

    public async Task StartChunkedAsync(int status, string contentType, IReadOnlyDictionary<string, string>? headers = null)
    {
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {ReasonPhrase(status)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\n")
            .Append("Transfer-Encoding: chunked\r\n")
            .Append("Cache-Control: no-cache\r\n")
            .Append("Connection: close\r\n");
        AppendHeaders(head, headers);
        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), Aborted);
        await stream.FlushAsync(Aborted);
    }

    public async Task WriteChunkAsync(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(bytes.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), Aborted);
        await stream.WriteAsync(bytes, Aborted);
        await stream.WriteAsync("\r\n"u8.ToArray(), Aborted);
        await stream.FlushAsync(Aborted);
    }

    public async Task EndChunkedAsync()
    {
        await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), Aborted);
        await stream.FlushAsync(Aborted);
    }

    /// <summary>Resets the connection (TCP RST) without a further byte.</summary>
    public void Abort()
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
        aborted.Cancel();
    }

    /// <summary>Waits until the client gives up (closes the connection) or the timeout passes, writing nothing.</summary>
    public async Task StallAsync(TimeSpan timeout)
    {
        var buffer = new byte[1];
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Aborted);
        cts.CancelAfter(timeout);
        try
        {
            while (await stream.ReadAsync(buffer, cts.Token) > 0)
            {
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
    }

    private static void AppendHeaders(StringBuilder head, IReadOnlyDictionary<string, string>? headers)
    {
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        529 => "Overloaded",
        _ => "Status",
    };
}
