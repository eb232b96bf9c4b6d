using System.Diagnostics;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W9: SendAsync per turn with default options (zero-latency fake model, file store) on sessions of 1,000 and 10,000 messages.</summary>
internal sealed class ChatTurnScalingWorkload : IWorkload
{
    public string Id => "W9";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        var perTurn = new Dictionary<int, double>();
        int small = Harness.Size(1_000, 100), large = Harness.Size(10_000, 300);
        foreach (int m in new[] { small, large })
        {
            string directory = Path.Combine(harness.WorkDirectory, "w9-" + m);
            Directory.CreateDirectory(directory);

            // Fixture (not timed): written in bulk through the storage API, exactly what the library writes.
            var storage = ChatBench.CreateFileStorage(directory);
            try
            {
                var info = new SessionInfo { Id = "w9-session", CreatedAt = FileBench.Start, UpdatedAt = FileBench.Start };
                await storage.CreateAsync(info, FileBench.Messages(42, m, FileBench.Start), cancellationToken);
            }
            finally
            {
                FileBench.Dispose(storage);
            }

            var figures = await harness.MeasureAsync(ChatTurnScalingMeasurement.MeasurementName, directory);
            perTurn[m] = figures["perTurnUs"];
            harness.Add("W9", $"SendAsync per turn, default options, M = {m:N0}", figures["perTurnUs"], "µs");
            harness.Add("W9", $"messages sent to the model per turn, M = {m:N0}", figures["messagesSent"], "");
        }

        double ratio = perTurn[large] / perTurn[small];
        harness.Add("W9", "per-turn cost at 10,000 ÷ at 1,000", ratio, "×", "≤ 1.5", ratio <= 1.5);
    }
}

/// <summary>Child process of W9: open the session, warm up, then time SendAsync turns with default options.</summary>
internal sealed class ChatTurnScalingMeasurement : IChildMeasurement
{
    public const string MeasurementName = "chat-turn-scaling";
    private const int WarmUp = 50;
    private const int Turns = 200;

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        var storage = ChatBench.CreateFileStorage(args[0]);
        var client = new ZeroLatencyChatClient();
        var (provider, sessions) = ChatBench.CreateManager(storage, client, historyWindow: null);
        try
        {
            var session = await sessions.OpenAsync("w9-session");
            for (int i = 0; i < WarmUp; i++) await session.SendAsync("warm-up question");
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < Turns; i++) await session.SendAsync("one more question");
            long elapsed = Stopwatch.GetTimestamp() - start;
            return new Dictionary<string, double>
            {
                ["perTurnUs"] = ChatBench.Microseconds(elapsed) / Turns,
                ["messagesSent"] = client.LastMessageCount,
            };
        }
        finally
        {
            await provider.DisposeAsync();
            FileBench.Dispose(storage);
        }
    }
}
