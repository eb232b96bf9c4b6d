using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>An edit session's state folded from its state events: batches with their status and backups, pending proposals, an unfinished rewind.</summary>
internal sealed class EditState
{
    public const string BatchIntent = "batch.intent";
    public const string BatchApplied = "batch.applied";
    public const string BatchAborted = "batch.aborted";
    public const string RollbackStarted = "rollback.started";
    public const string BatchRolledBack = "batch.rolledBack";
    public const string RollbackAborted = "rollback.aborted";
    public const string OperationsProposed = "operations.proposed";
    public const string RewindStarted = "rewind.started";

    public List<BatchRecord> Batches { get; } = [];

    public List<EditOperation> Proposed { get; } = [];

    public EditRewindData? UnfinishedRewind { get; private set; }

    public BatchRecord? Find(string batchId) => Batches.Find(b => b.Intent.BatchId == batchId);

    public static EditState Fold(IReadOnlyList<EditStateEvent> events)
    {
        var state = new EditState();
        var ctx = EditingJsonContext.Default;
        foreach (var e in events)
        {
            switch (e.EventName)
            {
                case BatchIntent:
                    var intent = e.Data.Deserialize(ctx.EditBatchIntentData)!;
                    state.Batches.Add(new BatchRecord(intent, e.Sequence));
                    if (intent.ConsumesPending)
                    {
                        state.Proposed.Clear();
                    }

                    break;
                case BatchApplied:
                case BatchAborted:
                case RollbackStarted:
                case BatchRolledBack:
                case RollbackAborted:
                    var data = e.Data.Deserialize(ctx.EditBatchEventData)!;
                    if (state.Find(data.BatchId) is { } batch)
                    {
                        batch.Status = e.EventName switch
                        {
                            BatchApplied => EditBatchStatus.Applied,
                            BatchAborted => EditBatchStatus.Aborted,
                            BatchRolledBack => EditBatchStatus.RolledBack,
                            _ => batch.Status,
                        };
                        batch.RollbackStarted = e.EventName == RollbackStarted || (batch.RollbackStarted && e.EventName is not BatchRolledBack and not RollbackAborted);
                    }

                    break;
                case OperationsProposed:
                    var proposed = e.Data.Deserialize(ctx.EditProposedData)!;
                    state.Proposed.AddRange(EditOperationMapper.FromData(proposed.Operations, []));
                    break;
                case RewindStarted:
                    state.UnfinishedRewind = e.Data.Deserialize(ctx.EditRewindData);
                    break;
            }
        }

        return state;
    }

    /// <summary>One batch: its intent (with backups) and where it stands.</summary>
    internal sealed class BatchRecord(EditBatchIntentData intent, long intentSequence)
    {
        public EditBatchIntentData Intent { get; } = intent;

        public long IntentSequence { get; } = intentSequence;

        public EditBatchStatus Status { get; set; } = EditBatchStatus.Pending;

        public bool RollbackStarted { get; set; }

        public EditResult ToResult() => new()
        {
            BatchId = Intent.BatchId,
            Name = Intent.Name,
            Status = Status,
            AppliedAt = Intent.At,
            AfterMessage = Intent.AfterMessage,
            CanRollback = Intent.Backup && Status == EditBatchStatus.Applied,
            Files = [.. Intent.Files.Select(f => new EditFilePreview
            {
                Path = f.Path, Change = f.Change, Diff = f.Diff, LinesAdded = f.Added, LinesRemoved = f.Removed, ContentHash = f.BeforeHash,
            })],
        };
    }
}
