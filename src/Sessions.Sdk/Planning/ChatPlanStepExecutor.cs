using System.Text;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>
/// The default <see cref="IPlanStepExecutor"/>: runs a step as a chat turn of the plan's session through the library's chat turn
/// (the same pipeline, tools, context policy and usage/cost recording as <see cref="Session.SendAsync(string, ChatOptions?, CancellationToken)"/>)
/// and returns the reply's text.
/// </summary>
/// <remarks>
/// The prompt names the step and carries its dependencies' outputs; the history sent before it is the session's (the plan's
/// conversation and earlier steps' exchanges). Each step's exchange is stored in the plan's session in one piece, so steps
/// running in parallel call the model at the same time without interleaving their messages.
/// </remarks>
internal sealed class ChatPlanStepExecutor : IPlanStepExecutor
{
    /// <inheritdoc/>
    public async Task<string> ExecuteAsync(PlanStepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = await PlanSessionChannel.RunStepTurnAsync(context.Session, new ChatMessage(ChatRole.User, Prompt(context)), null, cancellationToken).ConfigureAwait(false);
        return response.Text;
    }

    /// <summary>The step's prompt: what to do, and the results of the steps it depends on.</summary>
    internal static string Prompt(PlanStepContext context)
    {
        var step = context.Step;
        var prompt = new StringBuilder()
            .Append("Carry out step '").Append(step.Id).Append("' of the plan \"").Append(context.Plan.Title).Append("\": ").Append(step.Title).Append('\n');
        if (step.Description.Length > 0)
        {
            prompt.Append(step.Description).Append('\n');
        }

        if (context.DependencyOutputs.Count > 0)
        {
            prompt.Append("\nResults of the steps it depends on:\n");
            foreach (var dep in step.Dependencies)
            {
                if (context.DependencyOutputs.TryGetValue(dep, out var output))
                {
                    prompt.Append('[').Append(dep).Append("] ").Append(output).Append('\n');
                }
            }
        }

        prompt.Append("\nReply with the result of this step.");
        return prompt.ToString();
    }
}
