namespace Sessions.Sdk;

/// <summary>An optional storage capability: finds damaged sessions and salvages them, so damage never hides a conversation.</summary>
/// <remarks>
/// A store that keeps files or rows a user or a disk can damage implements it (the file and SQLite stores do). A session with a
/// damaged message record stays listed and every other message stays readable; reading the damaged record raises
/// <see cref="SessionFormatException"/> naming the session, the record's <see cref="SessionFormatException.Sequence"/> and, for
/// files, its <see cref="SessionFormatException.Offset"/>. <see cref="SalvageAsync"/> then keeps every readable message
/// (renumbered from 1) and sets the damaged data aside where the store can show it. A session the store cannot read at all
/// (its metadata is damaged) is moved aside and listed here too, and salvaging it brings it back under its id.
/// Reach it from the manager with <c>ISessionManager.Recovery</c>, or by testing a storage for the interface.
/// </remarks>
public interface ISessionRecovery
{
    /// <summary>Checks every stored session and lists the damaged ones, and those set aside earlier.</summary>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The damaged sessions; empty when all is well.</returns>
    /// <remarks>Reads every record of every session: its cost grows with the store's size.</remarks>
    IAsyncEnumerable<DamagedSession> ListDamagedAsync(CancellationToken cancellationToken = default);

    /// <summary>Salvages a damaged session: keeps every readable message, drops the damaged records and keeps a copy of what was damaged.</summary>
    /// <param name="recoveryId">The <see cref="DamagedSession.RecoveryId"/> from <see cref="ListDamagedAsync"/>.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>What was kept and what was dropped.</returns>
    /// <exception cref="SessionNotFoundException">No damaged session has that recovery id.</exception>
    /// <exception cref="SessionAlreadyExistsException">A set-aside session's id is taken by another session now.</exception>
    ValueTask<SalvageResult> SalvageAsync(string recoveryId, CancellationToken cancellationToken = default);
}

/// <summary>A damaged session found by <see cref="ISessionRecovery.ListDamagedAsync"/>.</summary>
public sealed record DamagedSession
{
    /// <summary>Gets the session's id.</summary>
    public required string SessionId { get; init; }

    /// <summary>Gets the id to pass to <see cref="ISessionRecovery.SalvageAsync"/>: the session id while it is in place, otherwise
    /// the name it was set aside under.</summary>
    public required string RecoveryId { get; init; }

    /// <summary>Gets a value indicating whether the session was set aside (it no longer lists) rather than kept in place.</summary>
    public bool SetAside { get; init; }

    /// <summary>Gets where the damaged data is (a folder or file path, or a table), for people.</summary>
    public string? Location { get; init; }

    /// <summary>Gets what is wrong, for people.</summary>
    public required string Reason { get; init; }

    /// <summary>Gets the damaged message records found (empty when the damage is not in one record).</summary>
    public IReadOnlyList<DamagedRecord> Records { get; init; } = [];
}

/// <summary>One damaged message record.</summary>
/// <param name="Sequence">Its sequence, when known.</param>
/// <param name="Offset">Its byte offset in its file, for stores that keep files.</param>
/// <param name="Reason">What is wrong with it.</param>
public sealed record DamagedRecord(long? Sequence, long? Offset, string Reason);

/// <summary>The outcome of <see cref="ISessionRecovery.SalvageAsync"/>.</summary>
public sealed record SalvageResult
{
    /// <summary>Gets the session as stored after salvage.</summary>
    public required SessionInfo Session { get; init; }

    /// <summary>Gets how many messages were kept.</summary>
    public long KeptMessages { get; init; }

    /// <summary>Gets the records that could not be read and were dropped.</summary>
    public IReadOnlyList<DamagedRecord> DroppedRecords { get; init; } = [];

    /// <summary>Gets where a copy of the damaged data was kept, if the store keeps one.</summary>
    public string? BackupLocation { get; init; }
}
