using System.Diagnostics;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W8: open a 100,000-message session (file storage) in a fresh process and SendAsync with a history window of 50.</summary>
internal sealed class ChatLargeSessionWorkload : IWorkload
{
    public static readonly int MessageCount = Harness.Size(100_000, 500);
    public const int Window = 50;

    public string Id => "W8";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        string directory = Path.Combine(harness.WorkDirectory, "w8");
        Directory.CreateDirectory(directory);

        // Fixture (not timed): written in bulk through the storage API, exactly what the library writes.
        var storage = ChatBench.CreateFileStorage(directory);
        try
        {
            var info = new SessionInfo { Id = "w8-session", CreatedAt = FileBench.Start, UpdatedAt = FileBench.Start };
            await storage.CreateAsync(info, FileBench.Messages(42, MessageCount, FileBench.Start), cancellationToken);
        }
        finally
        {
            FileBench.Dispose(storage);
        }

        var figures = await harness.MeasureAsync(ChatLargeSessionMeasurement.MeasurementName, directory);
        harness.Add("W8", $"messages read for one SendAsync on a {MessageCount:N0}-message session (window {Window})", figures["messagesRead"], "", $"O(window): ≤ {Window + 2}", figures["messagesRead"] <= Window + 2);
        harness.Add("W8", "peak working set of the process (open + SendAsync)", figures["peakWorkingSetMb"], "MB", "< 100 MB", figures["peakWorkingSetMb"] < 100);
        harness.Add("W8", "open + first SendAsync, fresh process", figures["openAndSendMs"], "ms");
        harness.Add("W8", "second SendAsync", figures["secondSendMs"], "ms");
    }
}

/// <summary>Child process of W8.</summary>
internal sealed class ChatLargeSessionMeasurement : IChildMeasurement
{
    public const string MeasurementName = "chat-large-session";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        var inner = ChatBench.CreateFileStorage(args[0]);
        var storage = new CountingStorage(inner);
        var client = new ZeroLatencyChatClient();
        var (provider, sessions) = ChatBench.CreateManager(storage, client, ChatLargeSessionWorkload.Window);
        try
        {
            long start = Stopwatch.GetTimestamp();
            var session = await sessions.OpenAsync("w8-session");
            await session.SendAsync("one more question");
            double first = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
            long read = storage.MessagesRead;
            start = Stopwatch.GetTimestamp();
            await session.SendAsync("and another");
            double second = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            return new Dictionary<string, double>
            {
                ["messagesRead"] = read,
                ["peakWorkingSetMb"] = process.PeakWorkingSet64 / (1024.0 * 1024.0),
                ["openAndSendMs"] = first,
                ["secondSendMs"] = second,
                ["messageCount"] = session.MessageCount,
            };
        }
        finally
        {
            await provider.DisposeAsync();
            FileBench.Dispose(inner);
        }
    }
}
