
namespace Sessions.Sdk.Benchmarks;

/// <summary>W5: SendAsync round trip through the whole pipeline with a zero-latency fake model (memory and file storage).</summary>
internal sealed class ChatSendWorkload : IWorkload
{
    public string Id => "W5";

    public async Task RunAsync(Harness harness, CancellationToken cancellationToken)
    {
        // BenchmarkDotNet (in-process toolchain): jitting, 3 warm-up and 7 measured iterations of 20,000 calls each, in each of
        // 3 fresh processes; every figure is the median of the 3 (PERFORMANCE.md: 3 repetitions in fresh processes, the median).
        var bdn = await harness.MeasureAsync(ChatSendBenchmarkMeasurement.MeasurementName, harness.WorkDirectory);
        double memoryUs = bdn["SendAsync-memory-us"];
        double beyond = bdn["SendAsync-memory-bytes"] - bdn["Payload-memory-bytes"];
        harness.Add("W5", "SendAsync mean, memory storage (BenchmarkDotNet, median of 3 processes; window 20, resilience+telemetry+tool loop on)", memoryUs, "us", "≤ 10 µs", memoryUs <= 10);
        harness.Add("W5", "allocated per SendAsync beyond payloads, memory (MemoryDiagnoser)", beyond, "B", "≤ 4096 B", beyond <= 4096);
        harness.Add("W5", "allocated per SendAsync in total, memory", bdn["SendAsync-memory-bytes"], "B");
        harness.Add("W5", "payload allocations per SendAsync (user message, reply)", bdn["Payload-memory-bytes"], "B");
        harness.Add("W5", "reference: one Session.AddMessageAsync of a W1 message, memory (a SendAsync stores two messages)", bdn["AddMessageAsync-memory-us"], "us");
        var pipeline = await harness.MeasureAsync(ChatPipelineMeasurement.MeasurementName);
        harness.Add("W5", "pipeline alone (tool loop + Polly retry/timeouts/breaker + telemetry, no listener): added time per call", pipeline["overheadUs"], "us");
        harness.Add("W5", "pipeline alone: added allocation per call", pipeline["overheadBytes"], "B");
        harness.Add("W5", "pipeline alone with a W5-sized context (21 messages; M.E.AI's own share of a SendAsync): added time per call", pipeline["windowOverheadUs"], "us");
        harness.Add("W5", "pipeline alone with a W5-sized context: added allocation per call", pipeline["windowOverheadBytes"], "B");
        double fileUs = bdn["SendAsync-file-us"];
        double target = bdn["AddMessageAsync-file-us"] + 20;
        harness.Add("W5", "SendAsync mean, file storage (no fsync; BenchmarkDotNet)", fileUs, "us", $"≤ W1 append + 20 µs = {target:0.00} µs", fileUs <= target);
        harness.Add("W5", "W1 append (one 400-character message through Session.AddMessageAsync, file, same run; reference)", bdn["AddMessageAsync-file-us"], "us");
        harness.Add("W5", "allocated per SendAsync, file", bdn["SendAsync-file-bytes"], "B");
    }
}

