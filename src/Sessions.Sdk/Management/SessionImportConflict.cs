namespace Sessions.Sdk;

/// <summary>Says what an import does when a session with the same id already exists.</summary>
public enum SessionImportConflict
{
    /// <summary>Fail with <see cref="SessionAlreadyExistsException"/>, importing nothing.</summary>
    Fail,

    /// <summary>Leave the existing session alone and skip the imported one.</summary>
    Skip,

    /// <summary>Import the session under a new generated id.</summary>
    NewId,
}
