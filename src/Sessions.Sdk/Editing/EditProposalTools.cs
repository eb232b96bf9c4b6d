using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>
/// The edit tools offered to the model for one <c>ProposeAsync</c> call (<see cref="EditProposalFormat.ToolCalls"/>): each call is
/// one operation, checked at once against the files and the calls accepted before it; an invalid call answers with the exact errors.
/// </summary>
/// <remarks>
/// One repair round: the first model round with an invalid call gets the errors as that call's result and may call again; an invalid
/// call in any later round ends the tool loop (<see cref="FunctionInvocationContext.Terminate"/>) and fails the proposal.
/// </remarks>
internal sealed class EditProposalTools
{
    public const string Insert = "edit_insert", Replace = "edit_replace", Delete = "edit_delete", Append = "edit_append",
        Prepend = "edit_prepend", CreateFile = "edit_create_file", DeleteFile = "edit_delete_file";

    private const string PathProperty = "\"path\": { \"type\": \"string\", \"description\": \"File path relative to the workspace root.\" }";

    private readonly Lock _lock = new();
    private readonly Func<IReadOnlyList<EditOperation>, string?> _check;
    private readonly List<EditOperation> _accepted = [];
    private long _errorRound = -1;
    private long _round;

    /// <param name="check">Dry-runs a list of operations against the files; returns the error, or <see langword="null"/> when they apply.</param>
    public EditProposalTools(Func<IReadOnlyList<EditOperation>, string?> check)
    {
        _check = check;
        Tools =
        [
            new Function(this, Insert, "insert", "Inserts text at the start of a line of an existing file (line numbers from 1, counting the file as changed by earlier calls).",
                $$"""{ "type": "object", "properties": { {{PathProperty}}, "line": { "type": "integer", "minimum": 1, "description": "The line before which the text goes; the line count + 1 adds it at the end." }, "text": { "type": "string", "description": "The text, usually ending with \\n." } }, "required": ["path", "line", "text"], "additionalProperties": false }"""),
            new Function(this, Replace, "replace", "Replaces exact old text of an existing file with new text; the old text must occur once unless all is true.",
                $$"""{ "type": "object", "properties": { {{PathProperty}}, "oldText": { "type": "string", "description": "The exact text to find." }, "newText": { "type": "string", "description": "The replacement." }, "all": { "type": "boolean", "description": "Replace every occurrence." } }, "required": ["path", "oldText", "newText"], "additionalProperties": false }"""),
            new Function(this, Delete, "delete", "Deletes exact old text, or the lines startLine to endLine (inclusive), of an existing file.",
                $$"""{ "type": "object", "properties": { {{PathProperty}}, "oldText": { "type": "string", "description": "The exact text to delete; it must occur once unless all is true." }, "all": { "type": "boolean", "description": "Delete every occurrence of oldText." }, "startLine": { "type": "integer", "minimum": 1, "description": "First line deleted (instead of oldText)." }, "endLine": { "type": "integer", "minimum": 1, "description": "Last line deleted, inclusive." } }, "required": ["path"], "additionalProperties": false }"""),
            new Function(this, Append, "append", "Adds text at the end of an existing file.",
                $$"""{ "type": "object", "properties": { {{PathProperty}}, "text": { "type": "string", "description": "The text." } }, "required": ["path", "text"], "additionalProperties": false }"""),
            new Function(this, Prepend, "prepend", "Adds text at the start of an existing file.",
                $$"""{ "type": "object", "properties": { {{PathProperty}}, "text": { "type": "string", "description": "The text." } }, "required": ["path", "text"], "additionalProperties": false }"""),
            new Function(this, CreateFile, "create", "Creates a file that does not exist yet.",
                $$"""{ "type": "object", "properties": { {{PathProperty}}, "text": { "type": "string", "description": "The file's content." } }, "required": ["path", "text"], "additionalProperties": false }"""),
            new Function(this, DeleteFile, "deleteFile", "Deletes an existing file.",
                $$"""{ "type": "object", "properties": { {{PathProperty}} }, "required": ["path"], "additionalProperties": false }"""),
        ];
    }

    /// <summary>Gets the tools to put in <see cref="ChatOptions.Tools"/>.</summary>
    public IList<AITool> Tools { get; }

    /// <summary>Gets the operations accepted so far, in call order.</summary>
    public List<EditOperation> Accepted
    {
        get
        {
            lock (_lock) return [.. _accepted];
        }
    }

    /// <summary>Gets the errors of the last invalid call round.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Gets a value indicating whether the repair round is used up (an invalid round, or a text repair already sent).</summary>
    public bool RepairUsed { get; private set; }

    /// <summary>Gets a value indicating whether the proposal failed: an invalid call after the repair round, or an invalid round never corrected.</summary>
    public bool Failed { get; private set; }

    /// <summary>Gets a value indicating whether an invalid round is waiting for its corrected calls.</summary>
    public bool Unrepaired { get; private set; }

    /// <summary>Starts a new model request: its tool rounds come after the previous request's.</summary>
    public void NextRequest(bool repairUsed)
    {
        lock (_lock)
        {
            _round = (_round / 1000 + 1) * 1000;
            RepairUsed |= repairUsed;
        }
    }

    private string Invoke(string name, string type, AIFunctionArguments arguments)
    {
        var context = FunctionInvokingChatClient.CurrentContext;
        var errors = new List<string>();
        var data = Read(name, type, arguments, errors);
        lock (_lock)
        {
            long round = _round + (context?.Iteration ?? 0);
            if (Failed)
            {
                return "error: the proposal already failed; no more calls are accepted.";
            }

            var op = errors.Count == 0 ? EditOperationMapper.FromItem(data, name, errors) : null;
            if (op is not null && _check([.. _accepted, op]) is { } failure)
            {
                errors.Add($"{name}: {failure}");
            }

            if (errors.Count == 0)
            {
                _accepted.Add(op!);
                if (Unrepaired && round > _errorRound)
                {
                    Unrepaired = false;
                }

                return $"accepted: {op}";
            }

            if (round == _errorRound || !RepairUsed)
            {
                // The one repair round: the model sees the exact errors and may call again.
                if (round != _errorRound)
                {
                    Errors.Clear();
                }

                _errorRound = round;
                RepairUsed = true;
                Unrepaired = true;
                Errors.AddRange(errors);
                return "error: " + string.Join("; ", errors) + $". Call {name} again with corrected arguments (accepted calls stand).";
            }

            Failed = true;
            Errors.Clear();
            Errors.AddRange(errors);
            if (context is not null)
            {
                context.Terminate = true;
            }

            return "error: " + string.Join("; ", errors) + ". The proposal failed: no more corrections are accepted.";
        }
    }

    private static EditOperationData Read(string name, string type, AIFunctionArguments arguments, List<string> errors)
    {
        string[] known = type switch
        {
            "insert" => ["path", "line", "text"],
            "replace" => ["path", "oldText", "newText", "all"],
            "delete" => ["path", "oldText", "all", "startLine", "endLine"],
            "deleteFile" => ["path"],
            _ => ["path", "text"],
        };
        foreach (var key in arguments.Keys)
        {
            if (Array.IndexOf(known, key) < 0)
            {
                errors.Add($"{name}.{key}: unknown argument (expected {string.Join(", ", known)})");
            }
        }

        return new EditOperationData
        {
            Type = type,
            Path = ReadString(arguments, name, "path", errors),
            OldText = ReadString(arguments, name, "oldText", errors),
            NewText = ReadString(arguments, name, "newText", errors),
            Text = ReadString(arguments, name, "text", errors),
            Line = ReadInt(arguments, name, "line", errors),
            StartLine = ReadInt(arguments, name, "startLine", errors),
            EndLine = ReadInt(arguments, name, "endLine", errors),
            All = ReadBool(arguments, name, "all", errors),
        };
    }

    private static string? ReadString(AIFunctionArguments arguments, string name, string key, List<string> errors)
    {
        switch (arguments.TryGetValue(key, out var value) ? value : null)
        {
            case null:
            case JsonElement { ValueKind: JsonValueKind.Null }:
                return null;
            case string s:
                return s;
            case JsonElement { ValueKind: JsonValueKind.String } e:
                return e.GetString();
            default:
                errors.Add($"{name}.{key}: must be a string");
                return null;
        }
    }

    private static int? ReadInt(AIFunctionArguments arguments, string name, string key, List<string> errors)
    {
        switch (arguments.TryGetValue(key, out var value) ? value : null)
        {
            case null:
            case JsonElement { ValueKind: JsonValueKind.Null }:
                return null;
            case int i:
                return i;
            case long l when l is >= int.MinValue and <= int.MaxValue:
                return (int)l;
            case JsonElement { ValueKind: JsonValueKind.Number } e when e.TryGetInt32(out int n):
                return n;
            case var other:
                errors.Add($"{name}.{key}: must be an integer, not {Describe(other)}");
                return null;
        }
    }

    private static bool? ReadBool(AIFunctionArguments arguments, string name, string key, List<string> errors)
    {
        switch (arguments.TryGetValue(key, out var value) ? value : null)
        {
            case null:
            case JsonElement { ValueKind: JsonValueKind.Null }:
                return null;
            case bool b:
                return b;
            case JsonElement { ValueKind: JsonValueKind.True or JsonValueKind.False } e:
                return e.GetBoolean();
            default:
                errors.Add($"{name}.{key}: must be true or false");
                return null;
        }
    }

    private static string Describe(object? value) => value switch
    {
        JsonElement e => e.GetRawText(),
        string s => JsonSerializer.Serialize(s, EditingJsonContext.Default.String),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null",
    };

    /// <summary>One edit tool: an <see cref="AIFunction"/> with a fixed JSON schema, so no reflection is needed.</summary>
    private sealed class Function(EditProposalTools owner, string name, string type, string description, string schema) : AIFunction
    {
        private readonly JsonElement _schema = JsonElement.Parse(schema);

        public override string Name => name;

        public override string Description => description;

        public override JsonElement JsonSchema => _schema;

        protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) =>
            ValueTask.FromResult<object?>(owner.Invoke(name, type, arguments));
    }
}
