using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>A tool registered for every session through <c>AddTool</c>.</summary>
/// <param name="Tool">The tool.</param>
internal sealed record ChatToolRegistration(AITool Tool);
