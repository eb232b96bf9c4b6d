using Microsoft.Extensions.Logging;

namespace Sessions.Sdk;

/// <summary>Source-generated logs of plan sessions (event ids 5001-5099).</summary>
internal static partial class PlanningLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Plan {PlanId} created with {StepCount} steps ({Origin}).")]
    public static partial void PlanCreated(ILogger logger, string planId, int stepCount, string origin);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Plan {PlanId} revised (revision {Revision}, {StepCount} steps).")]
    public static partial void PlanRevised(ILogger logger, string planId, int revision, int stepCount);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Plan {PlanId} approved.")]
    public static partial void PlanApproved(ILogger logger, string planId);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Plan {PlanId} rejected.")]
    public static partial void PlanRejected(ILogger logger, string planId);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "The model's plan for session {SessionId} had {ErrorCount} errors; asking it once to repair them.")]
    public static partial void PlanRepairRequested(ILogger logger, string sessionId, int errorCount);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "Plan {PlanId} executing: {StepCount} of {TotalSteps} steps to run.")]
    public static partial void ExecutionStarted(ILogger logger, string planId, int stepCount, int totalSteps);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "Plan {PlanId} execution ended {Status}: {CompletedSteps} of {TotalSteps} steps completed in {DurationMs} ms.")]
    public static partial void ExecutionEnded(ILogger logger, string planId, PlanStatus status, int completedSteps, int totalSteps, double durationMs);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Warning, Message = "Plan {PlanId} step {StepId} attempt {Attempt} failed: {Error}")]
    public static partial void StepFailed(ILogger logger, string planId, string stepId, int attempt, string error);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Warning, Message = "Plan {PlanId} step {StepId} attempt {Attempt} timed out after {TimeoutMs} ms.")]
    public static partial void StepTimedOut(ILogger logger, string planId, string stepId, int attempt, double timeoutMs);

    [LoggerMessage(EventId = 5014, Level = LogLevel.Debug, Message = "Plan {PlanId} dry run: {StepCount} steps in {WaveCount} waves.")]
    public static partial void PlanDryRun(ILogger logger, string planId, int stepCount, int waveCount);
}
