using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sessions.Sdk;

/// <summary>One operation as JSON: the stored form and the form the model proposes (see <see cref="EditProposalSchema"/>).</summary>
internal sealed record EditOperationData
{
    public string? Type { get; init; }

    public string? Path { get; init; }

    public string? OldText { get; init; }

    public string? NewText { get; init; }

    public string? Text { get; init; }

    public int? Line { get; init; }

    public int? StartLine { get; init; }

    public int? EndLine { get; init; }

    public bool? All { get; init; }
}

/// <summary>The model's answer: <c>{"operations":[…]}</c>.</summary>
internal sealed record EditProposalData
{
    public List<EditOperationData>? Operations { get; init; }
}

/// <summary>One file of a batch intent: hashes before and after, and the bytes needed to undo (or, without backups, to finish) it.</summary>
internal sealed record EditBatchFileData
{
    public required string Path { get; init; }

    public required EditFileChange Change { get; init; }

    public string? BeforeHash { get; init; }

    public string? AfterHash { get; init; }

    public byte[]? Before { get; init; }

    public byte[]? After { get; init; }

    public required string Temp { get; init; }

    /// <summary>Gets the folders (workspace-relative, deepest first) that did not exist before the batch and that writing the file creates; undoing the batch removes them when empty.</summary>
    public List<string>? CreatedFolders { get; init; }

    public required string Diff { get; init; }

    public int Added { get; init; }

    public int Removed { get; init; }
}

/// <summary>The <c>batch.intent</c> event, stored before the first byte of a batch is written.</summary>
internal sealed record EditBatchIntentData
{
    public required string BatchId { get; init; }

    public required string Name { get; init; }

    public required DateTimeOffset At { get; init; }

    public required long AfterMessage { get; init; }

    public required bool Backup { get; init; }

    public bool ConsumesPending { get; init; }

    public required List<EditBatchFileData> Files { get; init; }
}

/// <summary>The <c>batch.applied</c>, <c>batch.aborted</c>, <c>rollback.started</c> and <c>batch.rolledBack</c> events.</summary>
internal sealed record EditBatchEventData
{
    public required string BatchId { get; init; }

    public bool? Forced { get; init; }

    public bool? Recovered { get; init; }

    public string? Reason { get; init; }
}

/// <summary>The <c>operations.proposed</c> event: operations the model proposed, pending until applied.</summary>
internal sealed record EditProposedData
{
    public required List<EditOperationData> Operations { get; init; }
}

/// <summary>The <c>rewind.started</c> event: the batches to undo before the conversation is cut after <see cref="Sequence"/>.</summary>
internal sealed record EditRewindData
{
    public required long Sequence { get; init; }

    public required List<string> BatchIds { get; init; }

    public bool Forced { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(EditOperationData))]
[JsonSerializable(typeof(EditProposalData))]
[JsonSerializable(typeof(EditBatchIntentData))]
[JsonSerializable(typeof(EditBatchEventData))]
[JsonSerializable(typeof(EditProposedData))]
[JsonSerializable(typeof(EditRewindData))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
internal sealed partial class EditingJsonContext : JsonSerializerContext;
