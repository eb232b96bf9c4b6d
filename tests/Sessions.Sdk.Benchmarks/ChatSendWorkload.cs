using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Benchmarks;

/// <summary>W5: SendAsync round trip through the whole pipeline with a zero-latency fake model (memory and file storage).</summary>
internal sealed class ChatSendWorkload : IWorkload
{
    public string Id => "W5";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        var memory = await harness.MeasureAsync(ChatSendMeasurement.MeasurementName, "memory", harness.WorkDirectory);
        harness.Add("W5", "SendAsync mean, memory storage (window 20, resilience+telemetry+tool loop on)", memory["meanUs"], "us", "≤ 10 µs", memory["meanUs"] <= 10);
        harness.Add("W5", "allocated per SendAsync beyond payloads, memory", memory["allocBeyondPayload"], "B", "≤ 4096 B", memory["allocBeyondPayload"] <= 4096);
        harness.Add("W5", "allocated per SendAsync in total, memory", memory["allocTotal"], "B");
        harness.Add("W5", "payload allocations per SendAsync (user message, reply)", memory["allocPayload"], "B");
        harness.Add("W5", "reference: one Session.AddMessageAsync, memory, same run (a SendAsync stores two messages)", memory["appendUs"], "us");
        var pipeline = await harness.MeasureAsync(ChatPipelineMeasurement.MeasurementName);
        harness.Add("W5", "pipeline alone (tool loop + Polly retry/timeouts/breaker + telemetry, no listener): added time per call", pipeline["overheadUs"], "us");
        harness.Add("W5", "pipeline alone: added allocation per call", pipeline["overheadBytes"], "B");
        var file = await harness.MeasureAsync(ChatSendMeasurement.MeasurementName, "file", harness.WorkDirectory);
        double target = file["appendUs"] + 20;
        harness.Add("W5", "SendAsync mean, file storage (no fsync)", file["meanUs"], "us", $"≤ W1 append + 20 µs = {target:0.00} µs", file["meanUs"] <= target);
        harness.Add("W5", "W1-style single append through Session.AddMessageAsync, same run (reference)", file["appendUs"], "us");
        harness.Add("W5", "allocated per SendAsync, file", file["allocTotal"], "B");
    }
}

/// <summary>Child process of W5: warms up, then times N sends (Stopwatch) and counts allocated bytes (GC.GetTotalAllocatedBytes).</summary>
internal sealed class ChatSendMeasurement : IChildMeasurement
{
    public const string MeasurementName = "chat-send";
    private const int Warmup = 3_000;
    private const int Iterations = 20_000;

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        bool file = args[0] == "file";
        string directory = Path.Combine(args[1], "w5-" + Environment.ProcessId);
        var storage = file ? ChatBench.CreateFileStorage(directory) : null;
        var client = new ZeroLatencyChatClient();
        // Diagnostics only: "--child chat-send memory <dir> bare" measures without resilience and telemetry.
        Action<ChatPipelineOptions>? configure = args.Length > 2 && args[2] == "bare" ? o => { o.Resilience.Enabled = false; o.EnableTelemetry = false; } : null;
        var (provider, sessions) = ChatBench.CreateManager(storage, client, historyWindow: 20, configure);
        try
        {
            var session = await sessions.Create("w5").CreateAsync();
            var texts = new string[64];
            for (int i = 0; i < texts.Length; i++) texts[i] = "hello " + i;

            for (int i = 0; i < Warmup; i++)
            {
                await session.SendAsync(new ChatMessage(ChatRole.User, texts[i & 63]));
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            long allocStart = GC.GetTotalAllocatedBytes(precise: true);
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < Iterations; i++)
            {
                await session.SendAsync(new ChatMessage(ChatRole.User, texts[i & 63]));
            }

            long elapsed = Stopwatch.GetTimestamp() - start;
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocStart;

            // The payloads: the user's message and the model's reply, as the caller and the fake model allocate them.
            long payloadStart = GC.GetTotalAllocatedBytes(precise: true);
            var sink = new object[2];
            for (int i = 0; i < Iterations; i++)
            {
                sink[0] = new ChatMessage(ChatRole.User, texts[i & 63]);
                sink[1] = ZeroLatencyChatClient.CreateReply();
            }

            long payload = GC.GetTotalAllocatedBytes(precise: true) - payloadStart;
            GC.KeepAlive(sink);

            double appendUs = 0;
            {
                var appender = await sessions.Create("w5-append").CreateAsync();
                var content = new ContentGenerator(42);
                var messages = new ChatMessage[2_000];
                for (int i = 0; i < messages.Length; i++) messages[i] = new ChatMessage(new ChatRole(ContentGenerator.Role(i)), content.Next());
                for (int i = 0; i < 500; i++) await appender.AddMessageAsync(messages[i]);
                long appendStart = Stopwatch.GetTimestamp();
                for (int i = 500; i < messages.Length; i++) await appender.AddMessageAsync(messages[i]);
                appendUs = ChatBench.Microseconds(Stopwatch.GetTimestamp() - appendStart) / (messages.Length - 500);
            }

            return new Dictionary<string, double>
            {
                ["meanUs"] = ChatBench.Microseconds(elapsed) / Iterations,
                ["allocTotal"] = (double)allocated / Iterations,
                ["allocPayload"] = (double)payload / Iterations,
                ["allocBeyondPayload"] = (double)(allocated - payload) / Iterations,
                ["appendUs"] = appendUs,
                ["calls"] = client.Calls,
            };
        }
        finally
        {
            await provider.DisposeAsync();
            (storage as IDisposable)?.Dispose();
            if (file) FileBench.DeleteDirectory(directory);
        }
    }
}
