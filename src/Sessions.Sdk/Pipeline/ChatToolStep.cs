using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Describes one completed tool round: the model's response with its function calls and the tool results.</summary>
/// <param name="Iteration">The zero-based round.</param>
/// <param name="Response">The model's response that asked for the calls (messages, usage, model id).</param>
/// <param name="ToolMessage">The tool message holding one <see cref="FunctionResultContent"/> per call.</param>
/// <param name="ModelLatency">How long the model call took.</param>
internal sealed record ChatToolStep(int Iteration, ChatResponse Response, ChatMessage ToolMessage, TimeSpan ModelLatency);
