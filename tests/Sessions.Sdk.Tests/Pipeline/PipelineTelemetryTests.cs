using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

/// <summary>Telemetry of the session pipeline: M.E.AI's OpenTelemetryChatClient and FunctionInvokingChatClient on the Sessions.Sdk source and meter.</summary>
[NonParallelizable]
public sealed class PipelineTelemetryTests
{
    private readonly List<Activity> _activities = [];
    private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = [];
    private ActivityListener? _activityListener;
    private MeterListener? _meterListener;
    private string _model = null!;

    [SetUp]
    public void SetUp()
    {
        _model = "model-" + Guid.NewGuid().ToString("N")[..8];
        _activities.Clear();
        _measurements.Clear();
        _activityListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == SessionsTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (_activities) _activities.Add(a);
            },
        };
        ActivitySource.AddActivityListener(_activityListener);
        _meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SessionsTelemetry.MeterName) listener.EnableMeasurementEvents(instrument);
            },
        };
        _meterListener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _meterListener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _meterListener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _meterListener.Start();
    }

    [TearDown]
    public void TearDown()
    {
        _activityListener?.Dispose();
        _meterListener?.Dispose();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dict = new Dictionary<string, object?>();
        foreach (var tag in tags) dict[tag.Key] = tag.Value;
        if (!Equals(dict.GetValueOrDefault("gen_ai.request.model"), _model)) return;
        lock (_measurements) _measurements.Add((instrument.Name, value, dict));
    }

    private Activity Span() => _activities.Single(a => a.Kind == ActivityKind.Client && Equals(a.GetTagItem("gen_ai.request.model"), _model));

    private static string Describe(Activity a) => a.DisplayName + " {" + string.Join(", ", a.TagObjects.Select(t => t.Key + "=" + t.Value)) + "}";

    [Test]
    public async Task GetResponseAsync_Success_RecordsGenAiSpanAndMetrics()
    {
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Text("hi", input: 12, output: 4, model: _model + "-2024"));
        var (sp, client, _) = PipelineTestHost.Build(inner);
        using var _ = sp;

        await client.GetResponseAsync("hello", new ChatOptions { ModelId = _model, Temperature = 0.5f, MaxOutputTokens = 100 });

        var span = Span();
        Assert.Multiple(() =>
        {
            Assert.That(span.DisplayName, Is.EqualTo("chat " + _model));
            Assert.That(span.Kind, Is.EqualTo(ActivityKind.Client));
            Assert.That(span.GetTagItem("gen_ai.operation.name"), Is.EqualTo("chat"), Describe(span));
            Assert.That(span.GetTagItem("gen_ai.provider.name"), Is.EqualTo("fake"), "M.E.AI reports the client's own provider name (ChatClientMetadata)");
            Assert.That(span.GetTagItem("gen_ai.response.model"), Is.EqualTo(_model + "-2024"));
            Assert.That(Convert.ToInt64(span.GetTagItem("gen_ai.usage.input_tokens")), Is.EqualTo(12L));
            Assert.That(Convert.ToInt64(span.GetTagItem("gen_ai.usage.output_tokens")), Is.EqualTo(4L));
            Assert.That(span.GetTagItem("gen_ai.request.max_tokens"), Is.EqualTo(100));
            Assert.That(span.Status, Is.Not.EqualTo(ActivityStatusCode.Error));
            Assert.That(_measurements.Count(m => m.Instrument == "gen_ai.client.operation.duration"), Is.EqualTo(1), string.Join("; ", _measurements.Select(m => m.Instrument + "=" + m.Value + " " + string.Join(",", m.Tags))));
            var tokens = _measurements.Where(m => m.Instrument == "gen_ai.client.token.usage").ToList();
            Assert.That(tokens.Single(t => Equals(t.Tags["gen_ai.token.type"], "input")).Value, Is.EqualTo(12));
            Assert.That(tokens.Single(t => Equals(t.Tags["gen_ai.token.type"], "output")).Value, Is.EqualTo(4));
        });
    }

    [Test]
    public async Task GetResponseAsync_Failure_SetsErrorTypeAndStatus()
    {
        var inner = new PipelineTestChatClient { OnGetResponse = (_, _, _) => throw new ChatProviderException("openai", "bad request", 400, false) };
        var (sp, client, _) = PipelineTestHost.Build(inner);
        using var _ = sp;

        await Assert.ThrowsAsync<ChatProviderException>(() => client.GetResponseAsync("hello", new ChatOptions { ModelId = _model }));

        var span = Span();
        Assert.That(span.GetTagItem("error.type"), Is.EqualTo(typeof(ChatProviderException).FullName), Describe(span));
        Assert.That(span.Status, Is.EqualTo(ActivityStatusCode.Error));
        var duration = _measurements.Single(m => m.Instrument == "gen_ai.client.operation.duration");
        Assert.That(duration.Tags["error.type"], Is.EqualTo(typeof(ChatProviderException).FullName));
    }

    [Test]
    public async Task GetStreamingResponseAsync_UsageInStream_RecordsTokensOnSpan()
    {
        var inner = PipelineTestChatClient.ScriptedStream([
            new ChatResponseUpdate(ChatRole.Assistant, "a") { ModelId = _model, ResponseId = "r1" },
            new ChatResponseUpdate { Contents = [new UsageContent(new UsageDetails { InputTokenCount = 3, OutputTokenCount = 1 })], FinishReason = ChatFinishReason.Stop },
        ]);
        var (sp, client, _) = PipelineTestHost.Build(inner, providerName: "anthropic");
        using var _ = sp;

        await foreach (var update in client.GetStreamingResponseAsync("hello", new ChatOptions { ModelId = _model }))
        {
        }

        var span = Span();
        Assert.That(Convert.ToInt64(span.GetTagItem("gen_ai.usage.input_tokens")), Is.EqualTo(3L), Describe(span));
        Assert.That(span.GetTagItem("gen_ai.response.id"), Is.EqualTo("r1"));
        Assert.That(span.GetTagItem("gen_ai.response.finish_reasons"), Is.EqualTo("[\"stop\"]"), "M.E.AI records the finish reasons as a JSON array");
    }

    [Test]
    public async Task ToolInvocation_WithListener_RecordsExecuteToolSpan()
    {
        var tool = AIFunctionFactory.Create(() => "sunny", "weather_" + _model.Replace('-', '_'));
        var inner = PipelineTestChatClient.Scripted(PipelineTestChatClient.Call(("c1", tool.Name, null)), PipelineTestChatClient.Text("it is sunny"));
        var (sp, client, _) = PipelineTestHost.Build(inner);
        using var _ = sp;

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "weather?")], new ChatOptions { ModelId = _model, Tools = [tool] });

        var toolSpan = _activities.Single(a => a.DisplayName == "execute_tool " + tool.Name);
        Assert.That(toolSpan.GetTagItem("gen_ai.tool.call.id"), Is.EqualTo("c1"), Describe(toolSpan));
        Assert.That(_activities.Count(a => a.Kind == ActivityKind.Client && Equals(a.GetTagItem("gen_ai.request.model"), _model)), Is.EqualTo(2), "one chat span per model call");
    }
}
