using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W2: in a new process, open a session of M = 1,000 / 10,000 messages and read all messages, or only the last 20 (file store).</summary>
internal sealed class FileReadWorkload : IWorkload
{
    public string Id => "W2";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<(int, string), IReadOnlyDictionary<string, double>>();
        var references = new Dictionary<(int, string), IReadOnlyDictionary<string, double>>();
        int small = Harness.Size(1000, 100), large = Harness.Size(10_000, 300);
        foreach (int m in new[] { small, large })
        {
            string directory = Path.Combine(harness.WorkDirectory, "w2-" + m.ToString(CultureInfo.InvariantCulture));
            var storage = FileBench.CreateStorage(directory);
            await storage.CreateAsync(new SessionInfo { Id = FileBench.SessionId, CreatedAt = FileBench.Start, UpdatedAt = FileBench.Start }, FileBench.Messages(42, m, FileBench.Start), cancellationToken);
            FileBench.Dispose(storage);
            string journal = Path.Combine(directory, FileBench.SessionId + ".jsonl");
            foreach (var mode in new[] { "all", "last20" })
            {
                rows[(m, mode)] = await harness.MeasureAsync(FileReadMeasurement.MeasurementName, directory, mode, m.ToString(CultureInfo.InvariantCulture));
                references[(m, mode)] = await harness.MeasureAsync(FileReadReferenceMeasurement.MeasurementName, journal, mode);
            }

            string label = m.ToString("N0", CultureInfo.InvariantCulture);
            harness.Add(Id, $"M = {label}: journal size", new FileInfo(journal).Length, "B");
            harness.Add(Id, $"M = {label}: new process, GetMessagesAsync(All)", rows[(m, "all")]["read"], "ms");
            harness.Add(Id, $"M = {label}: new process, GetAsync + GetMessagesAsync(All)", rows[(m, "all")]["total"], "ms");
            harness.Add(Id, $"M = {label}: reference (no library): read the journal + parse every line (JsonDocument)", references[(m, "all")]["total"], "ms");
            harness.Add(Id, $"M = {label}: new process, GetMessagesAsync(Last(20))", rows[(m, "last20")]["read"], "ms");
            harness.Add(Id, $"M = {label}: new process, GetAsync + GetMessagesAsync(Last(20))", rows[(m, "last20")]["total"], "ms");
            harness.Add(Id, $"M = {label}: reference (no library): one positional read of the last 64 KiB + parse the last 20 lines", references[(m, "last20")]["total"], "ms");
        }

        // The reference opens the file, reads and parses; GetMessagesAsync does the same through the library, so they are compared.
        double last20Ratio = rows[(large, "last20")]["read"] / references[(large, "last20")]["total"];
        harness.Add(Id, "last 20 of 10,000 (GetMessagesAsync) ÷ raw tail read + parse", last20Ratio, "x", "≤ 1.5×", last20Ratio <= 1.5);
        double last20Scaling = rows[(large, "last20")]["read"] / rows[(small, "last20")]["read"];
        harness.Add(Id, "last 20: M = 10,000 ÷ M = 1,000 (independent of M)", last20Scaling, "x");
        double allRatio = rows[(large, "all")]["read"] / references[(large, "all")]["total"];
        harness.Add(Id, "all 10,000 (GetMessagesAsync) ÷ raw read + parse of the same bytes", allRatio, "x", "≤ 1.5×", allRatio <= 1.5);
    }
}

/// <summary>The W2 child: builds the store, then times <c>GetAsync</c> + <c>GetMessagesAsync</c> (all, or the last 20).</summary>
internal sealed class FileReadMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w2-file-read";

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        var storage = FileBench.CreateStorage(args[0]);
        bool all = args[1] == "all";
        int expected = all ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
        long start = Stopwatch.GetTimestamp();
        var info = await storage.GetAsync(FileBench.SessionId);
        long opened = Stopwatch.GetTimestamp();
        var messages = await storage.GetMessagesAsync(FileBench.SessionId, all ? MessageRange.All : MessageRange.Last(20));
        long end = Stopwatch.GetTimestamp();
        if (info is null || messages.Count != expected || messages[^1].Sequence != info.MessageCount)
        {
            throw new InvalidOperationException($"expected {expected} messages ending at {info?.MessageCount}, read {messages.Count}");
        }

        FileBench.Dispose(storage);
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["total"] = Harness.ElapsedMs(start, end),
            ["open"] = Harness.ElapsedMs(start, opened),
            ["read"] = Harness.ElapsedMs(opened, end),
        };
    }
}

/// <summary>The W2 references (no library): read + parse the whole journal, or one positional read of its last 64 KiB + parse of the last 20 lines.</summary>
internal sealed class FileReadReferenceMeasurement : IChildMeasurement
{
    public const string MeasurementName = "w2-file-reference";

    public string Name => MeasurementName;

    public Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        string path = args[0];
        int parsed = 0;
        long start = Stopwatch.GetTimestamp();
        if (args[1] == "all")
        {
            var bytes = File.ReadAllBytes(path);
            var span = bytes.AsSpan();
            while (span.Length > 0)
            {
                int newline = span.IndexOf((byte)'\n');
                if (newline < 0) break;
                using (JsonDocument.Parse(bytes.AsMemory(bytes.Length - span.Length, newline)))
                {
                    parsed++;
                }

                span = span[(newline + 1)..];
            }
        }
        else
        {
            using var handle = File.OpenHandle(path);
            long length = RandomAccess.GetLength(handle);
            int size = (int)Math.Min(64 * 1024, length);
            var buffer = new byte[size];
            RandomAccess.Read(handle, buffer, length - size);
            int end = buffer.AsSpan().LastIndexOf((byte)'\n');
            var lines = new List<(int Start, int Length)>();
            while (lines.Count < 20 && end > 0)
            {
                int previous = buffer.AsSpan(0, end).LastIndexOf((byte)'\n');
                lines.Add((previous + 1, end - previous - 1));
                end = previous;
            }

            foreach (var (s, l) in lines)
            {
                using (JsonDocument.Parse(buffer.AsMemory(s, l)))
                {
                    parsed++;
                }
            }
        }

        double total = Harness.ElapsedMs(start, Stopwatch.GetTimestamp());
        return Task.FromResult<IReadOnlyDictionary<string, double>>(new Dictionary<string, double>(StringComparer.Ordinal) { ["total"] = total, ["lines"] = parsed });
    }
}
