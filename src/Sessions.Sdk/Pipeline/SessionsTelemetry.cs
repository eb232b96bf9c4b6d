namespace Sessions.Sdk;

/// <summary>Names the activity source and meter Sessions.Sdk reports through (OpenTelemetry GenAI conventions).</summary>
/// <remarks>
/// Model calls and tool invocations are reported by M.E.AI's <c>OpenTelemetryChatClient</c> and <c>FunctionInvokingChatClient</c>
/// under this name. Subscribe with <c>AddSource(SessionsTelemetry.ActivitySourceName)</c> and <c>AddMeter(SessionsTelemetry.MeterName)</c>.
/// </remarks>
public static class SessionsTelemetry
{
    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> (<c>Sessions.Sdk</c>).</summary>
    public const string ActivitySourceName = "Sessions.Sdk";

    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> (<c>Sessions.Sdk</c>).</summary>
    public const string MeterName = "Sessions.Sdk";

    /// <summary>The library's own spans (plans, plan steps); chat spans come from M.E.AI's OpenTelemetryChatClient under the same name.</summary>
    internal static System.Diagnostics.ActivitySource ActivitySource { get; } = new(ActivitySourceName);
}
