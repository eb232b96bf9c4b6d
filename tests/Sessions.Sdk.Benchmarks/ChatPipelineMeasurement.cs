using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Benchmarks;

/// <summary>Part of W5: the pipeline alone (tool loop, resilience, telemetry without listeners) against the bare fake client.</summary>
internal sealed class ChatPipelineMeasurement : IChildMeasurement
{
    public const string MeasurementName = "chat-pipeline";
    private static readonly int Iterations = Harness.Size(200_000, 2_000);

    public string Name => MeasurementName;

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string[] args)
    {
        var client = new ZeroLatencyChatClient();
        // The same M.E.AI steps, in the same order, that sessions use by default (no context policy, no logger factory).
        var pipeline = new ChatClientBuilder(client)
            .UseFunctionInvocation()
            .UseResilience("fake")
            .UseOpenTelemetry(sourceName: SessionsTelemetry.ActivitySourceName)
            .Build();
        var messages = new List<ChatMessage> { new(ChatRole.User, "hello") };
        var options = new ChatOptions { ModelId = "fake-model" };
        var noTimeouts = new ChatClientBuilder(client).UseFunctionInvocation().UseResilience("fake", o => { o.AttemptTimeout = null; o.TotalTimeout = null; })
            .UseOpenTelemetry(sourceName: SessionsTelemetry.ActivitySourceName).Build();
        var toolsOnly = new ChatClientBuilder(client).UseFunctionInvocation().UseOpenTelemetry(sourceName: SessionsTelemetry.ActivitySourceName).Build();
        var (rawUs, rawBytes) = await TimeAsync(client, messages, options);
        var (noTimeoutsUs, _) = await TimeAsync(noTimeouts, messages, options);
        var (toolsOnlyUs, _) = await TimeAsync(toolsOnly, messages, options);
        var (pipelineUs, pipelineBytes) = await TimeAsync(pipeline, messages, options);

        // The same with a context as long as W5's (window 20 plus the prompt): what M.E.AI's steps cost per message sent.
        var window = new List<ChatMessage>(21);
        for (int i = 0; i < 21; i++) window.Add(new ChatMessage(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, "hello " + i));
        var (rawWindowUs, rawWindowBytes) = await TimeAsync(client, window, options);
        var (pipelineWindowUs, pipelineWindowBytes) = await TimeAsync(pipeline, window, options);
        return new Dictionary<string, double>
        {
            ["rawUs"] = rawUs,
            ["pipelineUs"] = pipelineUs,
            ["overheadUs"] = pipelineUs - rawUs,
            ["overheadBytes"] = pipelineBytes - rawBytes,
            ["overheadNoTimeoutsUs"] = noTimeoutsUs - rawUs,
            ["overheadWithoutResilienceUs"] = toolsOnlyUs - rawUs,
            ["windowOverheadUs"] = pipelineWindowUs - rawWindowUs,
            ["windowOverheadBytes"] = pipelineWindowBytes - rawWindowBytes,
        };
    }

    private static async Task<(double Us, double Bytes)> TimeAsync(IChatClient client, List<ChatMessage> messages, ChatOptions options)
    {
        for (int i = 0; i < Harness.Size(10_000, 200); i++) await client.GetResponseAsync(messages, options);
        long alloc = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < Iterations; i++) await client.GetResponseAsync(messages, options);
        long elapsed = Stopwatch.GetTimestamp() - start;
        return (ChatBench.Microseconds(elapsed) / Iterations, (double)(GC.GetTotalAllocatedBytes(precise: true) - alloc) / Iterations);
    }
}
