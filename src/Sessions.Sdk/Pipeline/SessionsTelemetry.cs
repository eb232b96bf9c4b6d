using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sessions.Sdk;

/// <summary>Names the activity source and meter Sessions.Sdk reports through (OpenTelemetry GenAI conventions).</summary>
/// <remarks>Subscribe with <c>AddSource(SessionsTelemetry.ActivitySourceName)</c> and <c>AddMeter(SessionsTelemetry.MeterName)</c>.</remarks>
public static class SessionsTelemetry
{
    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> (<c>Sessions.Sdk</c>).</summary>
    public const string ActivitySourceName = "Sessions.Sdk";

    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> (<c>Sessions.Sdk</c>).</summary>
    public const string MeterName = "Sessions.Sdk";

    private static readonly string? Version = typeof(SessionsTelemetry).Assembly.GetName().Version?.ToString();

    internal static ActivitySource ActivitySource { get; } = new(ActivitySourceName, Version);

    internal static Meter Meter { get; } = new(MeterName, Version);

    internal static Histogram<double> OperationDuration { get; } = Meter.CreateHistogram<double>(
        GenAI.ClientOperationDuration, "s", "Measures the duration of a GenAI operation.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });

    internal static Histogram<int> TokenUsage { get; } = Meter.CreateHistogram<int>(
        GenAI.ClientTokenUsage, "{token}", "Measures number of input and output tokens used.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864] });

    /// <summary>The OpenTelemetry GenAI semantic-convention names used in spans and metrics.</summary>
    internal static class GenAI
    {
        public const string Chat = "chat";
        public const string ExecuteTool = "execute_tool";
        public const string OperationName = "gen_ai.operation.name";
        public const string ProviderName = "gen_ai.provider.name";
        public const string System = "gen_ai.system";
        public const string RequestModel = "gen_ai.request.model";
        public const string RequestTemperature = "gen_ai.request.temperature";
        public const string RequestMaxTokens = "gen_ai.request.max_tokens";
        public const string ResponseModel = "gen_ai.response.model";
        public const string ResponseId = "gen_ai.response.id";
        public const string ResponseFinishReasons = "gen_ai.response.finish_reasons";
        public const string UsageInputTokens = "gen_ai.usage.input_tokens";
        public const string UsageOutputTokens = "gen_ai.usage.output_tokens";
        public const string TokenType = "gen_ai.token.type";
        public const string ToolName = "gen_ai.tool.name";
        public const string ToolCallId = "gen_ai.tool.call.id";
        public const string ErrorType = "error.type";
        public const string ClientOperationDuration = "gen_ai.client.operation.duration";
        public const string ClientTokenUsage = "gen_ai.client.token.usage";
    }
}
