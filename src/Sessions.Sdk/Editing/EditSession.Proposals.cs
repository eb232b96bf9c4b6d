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
            var prompt = new StringBuilder();
            prompt.Append(instruction.Trim()).Append("\n\n");
            prompt.Append("Answer with one JSON object only, following this JSON schema:\n").Append(EditProposalSchema.Json).Append('\n');
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

            var options = new ChatOptions
            {
                ResponseFormat = ChatResponseFormat.ForJsonSchema(EditProposalSchema.Schema, EditProposalSchema.Name, "File edit operations for the instruction."),
            };
            var response = await Session.SendAsync(prompt.ToString(), options, cancellationToken).ConfigureAwait(false);
            var errors = new List<string>();
            var operations = Validate(response, errors);
            if (errors.Count > 0)
            {
                string repair = "Your answer is invalid:\n" + string.Join('\n', errors.Select(e => "- " + e))
                    + "\nAnswer again with the complete corrected JSON object, following the same schema.";
                response = await Session.SendAsync(repair, options, cancellationToken).ConfigureAwait(false);
                errors.Clear();
                operations = Validate(response, errors);
                if (errors.Count > 0)
                {
                    throw new EditProposalException(errors);
                }
            }

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

        return operations;
    }
}
