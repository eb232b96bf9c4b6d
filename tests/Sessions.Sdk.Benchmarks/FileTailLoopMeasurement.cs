using System.Diagnostics;
using System.Globalization;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W2/W5 diagnostic child: repeated <c>Last(20)</c> reads of one session by the process that wrote it (the per-turn read of SendAsync).</summary>
/// <remarks>Run alone with <c>--child w2-file-tail-loop &lt;dir&gt; &lt;messages&gt;</c>; reports microseconds and bytes allocated per call.</remarks>
internal sealed class FileTailLoopMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w2-file-tail-loop";

    private static readonly int TailCount = int.TryParse(Environment.GetEnvironmentVariable("TAIL_COUNT"), out int n) ? n : 20;

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        int count = int.Parse(args[1], CultureInfo.InvariantCulture);
        string directory = Path.Combine(args[0], "tail-" + Guid.NewGuid().ToString("N"));
        var storage = FileBench.CreateStorage(directory);
        try
        {
            await storage.CreateAsync(new SessionInfo { Id = FileBench.SessionId, CreatedAt = FileBench.Start, UpdatedAt = FileBench.Start }, FileBench.Messages(42, count, FileBench.Start));
            await storage.AppendMessagesAsync(FileBench.SessionId, FileBench.Messages(43, 2, FileBench.Start));
            const int Warmup = 2_000, Iterations = 10_000;
            for (int i = 0; i < Warmup; i++) await storage.GetMessagesAsync(FileBench.SessionId, MessageRange.Last(TailCount));
            GC.Collect();
            long allocStart = GC.GetTotalAllocatedBytes(precise: true);
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < Iterations; i++)
            {
                var last = await storage.GetMessagesAsync(FileBench.SessionId, MessageRange.Last(TailCount));
                if (last.Count != TailCount) throw new InvalidOperationException($"expected {TailCount} messages, read {last.Count}");
            }

            double us = Harness.ElapsedMs(start, Stopwatch.GetTimestamp()) * 1000 / Iterations;
            double bytes = (double)(GC.GetTotalAllocatedBytes(precise: true) - allocStart) / Iterations;
            return new Dictionary<string, double>(StringComparer.Ordinal) { ["us"] = us, ["allocBytes"] = bytes };
        }
        finally
        {
            FileBench.Dispose(storage);
            FileBench.DeleteDirectory(directory);
        }
    }
}
