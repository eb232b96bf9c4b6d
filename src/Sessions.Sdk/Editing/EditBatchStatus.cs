namespace Sessions.Sdk;

/// <summary>Says where a batch recorded in an edit session stands.</summary>
public enum EditBatchStatus
{
    /// <summary>Every file of the batch was written.</summary>
    Applied,

    /// <summary>The batch was applied, then rolled back to the exact bytes from before it.</summary>
    RolledBack,

    /// <summary>The batch failed or was interrupted and no file was left changed.</summary>
    Aborted,

    /// <summary>The batch was interrupted and is finished or undone when the session is next opened.</summary>
    Pending,
}
