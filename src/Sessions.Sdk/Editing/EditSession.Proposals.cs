using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Model proposals: the files' content goes to the session's model, which answers with operations against <see cref="EditProposalSchema"/>.</summary>
public sealed partial class EditSession
{
    /// <summary>Asks the session's model for operations that carry out an instruction, sending the named files' content; invalid answers are returned once with the exact errors.</summary>
    /// <param name="instruction">What to change, in words.</param>
    /// <param name="files">Workspace-relative paths of the files the model needs to see; each must be inside the workspace and within <see cref="EditingOptions.MaxFileSize"/>.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The proposed operations, added to <see cref="PendingOperations"/> (and applied at once when <see cref="EditingOptions.AutoApply"/> is on).</returns>
    /// <remarks>
    /// The request and the answers are messages of the session's conversation; the accepted proposal is recorded in the session, so
    /// it is still pending after a restart. Each proposal is checked against the files as they are (paths, old text found exactly once, lines in range).
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="instruction"/> is empty, or more files than <see cref="EditingOptions.MaxProposalFiles"/> are named.</exception>
    /// <exception cref="EditSandboxException">A file path leaves the workspace.</exception>
    /// <exception cref="EditPreconditionException">A file is too large or binary.</exception>
    /// <exception cref="EditProposalException">The model's answer is still invalid after one repair round.</exception>
    public async Task<IReadOnlyList<EditOperation>> ProposeAsync(string instruction, IEnumerable<string>? files = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instruction);
        string[] paths = files is null ? [] : [.. files];
        if (paths.Length > _options.MaxProposalFiles)
        {
            throw new ArgumentException($"At most {_options.MaxProposalFiles} files can be sent in one proposal (EditingOptions.MaxProposalFiles); {paths.Length} were named.", nameof(files));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            bool tools = _options.ProposalFormat == EditProposalFormat.ToolCalls;
            var prompt = new StringBuilder();
            prompt.Append(instruction.Trim()).Append("\n\n");
            if (tools)
            {
                prompt.Append("Make the changes by calling the edit tools (").Append(EditProposalTools.Replace).Append(", ").Append(EditProposalTools.Insert)
                    .Append(", ").Append(EditProposalTools.Delete).Append(", ").Append(EditProposalTools.Append).Append(", ").Append(EditProposalTools.Prepend)
                    .Append(", ").Append(EditProposalTools.CreateFile).Append(", ").Append(EditProposalTools.DeleteFile)
                    .Append("), one call per operation, in order; nothing is written until the user applies them. Then answer with a one-line summary.\n");
            }
            else
            {
                prompt.Append("Answer with one JSON object only, following this JSON schema:\n").Append(EditProposalSchema.Json).Append('\n');
            }

            prompt.Append("Rules: paths are relative to the workspace root; oldText must match the file exactly and occur once (or set all to true); ");
            prompt.Append("line numbers start at 1 and count the file as changed by the earlier operations on it; use \\n for line breaks.\n");
            foreach (var path in paths)
            {
                string normalized = WorkspaceSandbox.Normalize(path);
                string full = _sandbox.Resolve(normalized, path);
                var bytes = _files.ReadFile(full, normalized, _options.MaxFileSize)
                    ?? throw new EditPreconditionException(normalized, $"Cannot send '{normalized}' to the model: it does not exist.");
                var (_, text) = EditTextCodec.Decode(bytes, normalized, allowBinary: false);
                prompt.Append("\nFile: ").Append(normalized).Append("\n````\n").Append(text);
                if (!text.EndsWith('\n'))
                {
                    prompt.Append('\n');
                }

                prompt.Append("````\n");
            }

            var operations = tools
                ? await ProposeWithToolsAsync(prompt.ToString(), cancellationToken).ConfigureAwait(false)
                : await ProposeWithJsonAsync(prompt.ToString(), cancellationToken).ConfigureAwait(false);

            var proposed = new EditProposedData { Operations = [.. operations.Select(EditOperationMapper.ToData)] };
            await _log.AppendAsync(EditState.OperationsProposed, ToJson(proposed, EditingJsonContext.Default.EditProposedData), cancellationToken).ConfigureAwait(false);
            lock (_pendingLock)
            {
                _state.Proposed.AddRange(operations);
                _pending.AddRange(operations);
                _pendingVersion++;
            }

            if (_options.AutoApply)
            {
                await ApplyPendingCoreAsync(cancellationToken).ConfigureAwait(false);
            }

            return operations;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Asks for one JSON object against <see cref="EditProposalSchema"/>; an invalid answer goes back once with the exact errors.</summary>
    private async Task<List<EditOperation>> ProposeWithJsonAsync(string prompt, CancellationToken cancellationToken)
    {
        var options = new ChatOptions
        {
            ResponseFormat = ChatResponseFormat.ForJsonSchema(EditProposalSchema.Schema, EditProposalSchema.Name, "File edit operations for the instruction."),
        };
        var response = await Session.SendAsync(prompt, options, cancellationToken).ConfigureAwait(false);
        var errors = new List<string>();
        var operations = Validate(response, errors);
        if (errors.Count > 0)
        {
            response = await Session.SendAsync(RepairPrompt(errors, "Answer again with the complete corrected JSON object, following the same schema."), options, cancellationToken).ConfigureAwait(false);
            errors.Clear();
            operations = Validate(response, errors);
            if (errors.Count > 0)
            {
                throw new EditProposalException(errors);
            }
        }

        return operations;
    }

    /// <summary>
    /// Offers the edit tools: each call is checked at once and answered with the exact errors, so the model repairs within the same turn
    /// (one repair round). An answer without calls is read as the JSON object instead; if it is not one, it goes back once.
    /// </summary>
    private async Task<List<EditOperation>> ProposeWithToolsAsync(string prompt, CancellationToken cancellationToken)
    {
        var tools = new EditProposalTools(operations =>
        {
            var errors = new List<string>();
            DryRun(operations, errors);
            return errors.Count == 0 ? null : errors[0];
        });
        var options = new ChatOptions { Tools = tools.Tools, ToolMode = ChatToolMode.Auto };
        tools.NextRequest(repairUsed: false);
        var response = await Session.SendAsync(prompt, options, cancellationToken).ConfigureAwait(false);
        for (int request = 0; ; request++)
        {
            if (tools.Failed || tools.Unrepaired)
            {
                throw new EditProposalException(tools.Errors);
            }

            if (tools.Accepted is { Count: > 0 } accepted)
            {
                return accepted;
            }

            var errors = new List<string>();
            var operations = Validate(response, errors);
            if (errors.Count == 0)
            {
                return operations;
            }

            errors.Insert(0, "no edit tool was called");
            if (request > 0 || tools.RepairUsed)
            {
                throw new EditProposalException(errors);
            }

            tools.NextRequest(repairUsed: true);
            response = await Session.SendAsync(RepairPrompt(errors, "Call the edit tools, one call per operation."), options, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string RepairPrompt(List<string> errors, string then) =>
        "Your answer is invalid:\n" + string.Join('\n', errors.Select(e => "- " + e)) + "\n" + then;

    /// <summary>Parses and checks a proposal: JSON shape, every operation's fields, and a dry run against the files as they are.</summary>
    private List<EditOperation> Validate(ChatResponse response, List<string> errors)
    {
        string text = response.Text.Trim();
        if (text.StartsWith("```", StringComparison.Ordinal))
        {
            int start = text.IndexOf('\n', StringComparison.Ordinal);
            int end = text.LastIndexOf("```", StringComparison.Ordinal);
            text = start >= 0 && end > start ? text[(start + 1)..end] : text;
        }

        EditProposalData? data;
        try
        {
            data = JsonSerializer.Deserialize(text, EditingJsonContext.Default.EditProposalData);
        }
        catch (JsonException ex)
        {
            errors.Add("the answer is not valid JSON for the schema: " + ex.Message);
            return [];
        }

        if (data?.Operations is not { Count: > 0 } items)
        {
            errors.Add("operations: required, with at least one operation");
            return [];
        }

        var operations = EditOperationMapper.FromData(items, errors);
        if (errors.Count > 0)
        {
            return operations;
        }

        DryRun(operations, errors);
        return operations;
    }

    /// <summary>Checks operations against the files as they are (paths, old text, lines), adding the first error.</summary>
    private void DryRun(IReadOnlyList<EditOperation> operations, List<string> errors)
    {
        try
        {
            EditPlanner.Plan(operations, _sandbox, _files, _options);
        }
        catch (EditSandboxException ex)
        {
            errors.Add($"path '{ex.Path}': {ex.Reason}");
        }
        catch (EditPreconditionException ex)
        {
            errors.Add(ex.Message);
        }
    }
}
