using System.Text;

namespace Sessions.Sdk;

/// <summary>The default <see cref="IPlanStepExecutor"/>: runs a step as a chat turn of the plan's session (with the session's tools) and returns the reply.</summary>
/// <remarks>The exchange is stored in the plan's session. Independent steps running in parallel share that transcript.</remarks>
internal sealed class ChatPlanStepExecutor : IPlanStepExecutor
{
    /// <inheritdoc/>
    public async Task<string> ExecuteAsync(PlanStepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
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
            foreach (var (id, output) in context.DependencyOutputs)
            {
                prompt.Append('[').Append(id).Append("] ").Append(output).Append('\n');
            }
        }

        prompt.Append("\nReply with the result of this step.");
        var response = await PlanSessionChannel.SendAsync(context.Session, prompt.ToString(), null, cancellationToken).ConfigureAwait(false);
        return response.Text;
    }
}
