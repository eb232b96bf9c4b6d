using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk;

/// <summary>Trash, restore, purge and bulk delete over <see cref="ISessionManager"/>.</summary>
/// <remarks>
/// <see cref="ISessionManager.DeleteAsync"/> moves a session to the trash on every store that implements <see cref="ISessionTrash"/>
/// (memory, file, SQLite, PostgreSQL). On a store without it, deleting without <c>permanent: true</c> throws
/// <see cref="NotSupportedException"/> and deletes nothing: a session is never deleted permanently unless that was asked for.
/// </remarks>
public static class SessionTrashExtensions
{
    /// <summary>Deletes a session: to the trash (restorable), or permanently.</summary>
    /// <param name="manager">The session manager.</param>
    /// <param name="sessionId">The session id.</param>
    /// <param name="permanent"><see langword="true"/> to delete it now, with its messages (erasure); it may be live or in the trash.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when a session was deleted; <see langword="false"/> when none had that id.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a valid session id.</exception>
    /// <exception cref="NotSupportedException"><paramref name="permanent"/> is <see langword="false"/> and the store has no trash.</exception>
    public static async Task<bool> DeleteAsync(this ISessionManager manager, string sessionId, bool permanent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manager);
        if (!permanent) return await manager.DeleteAsync(sessionId, cancellationToken).ConfigureAwait(false);
        SessionIds.Validate(sessionId, nameof(sessionId));
        bool deleted = await manager.Storage.DeleteAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (!deleted && manager.Storage.GetCapability<ISessionTrash>() is { } trash)
        {
            deleted = await trash.PurgeAsync(sessionId, cancellationToken).ConfigureAwait(false);
        }

        if (deleted) SessionsLog.SessionDeleted(LoggerOf(manager), sessionId);
        return deleted;
    }

    /// <summary>Lists the sessions in the trash, most recently trashed first.</summary>
    /// <param name="manager">The session manager.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The trashed sessions; none when the store has no trash.</returns>
    public static IAsyncEnumerable<TrashedSession> ListTrashAsync(this ISessionManager manager, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manager);
        return manager.Storage.GetCapability<ISessionTrash>() is { } trash ? trash.ListTrashAsync(cancellationToken) : Empty(cancellationToken);
    }

    /// <summary>Restores a session from the trash, unchanged.</summary>
    /// <param name="manager">The session manager.</param>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when restored; <see langword="false"/> when it was not in the trash.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a valid session id.</exception>
    /// <exception cref="SessionAlreadyExistsException">A live session has the same id.</exception>
    public static async Task<bool> RestoreAsync(this ISessionManager manager, string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manager);
        SessionIds.Validate(sessionId, nameof(sessionId));
        if (manager.Storage.GetCapability<ISessionTrash>() is not { } trash) return false;
        bool restored = await trash.RestoreAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (restored) ManagementLog.Restored(LoggerOf(manager), sessionId);
        return restored;
    }

    /// <summary>Permanently removes a session from the trash.</summary>
    /// <param name="manager">The session manager.</param>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns><see langword="true"/> when purged; <see langword="false"/> when it was not in the trash.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a valid session id.</exception>
    public static async Task<bool> PurgeAsync(this ISessionManager manager, string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manager);
        SessionIds.Validate(sessionId, nameof(sessionId));
        if (manager.Storage.GetCapability<ISessionTrash>() is not { } trash) return false;
        bool purged = await trash.PurgeAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (purged) ManagementLog.Purged(LoggerOf(manager), sessionId);
        return purged;
    }

    /// <summary>Deletes every session matching a query (its order and paging apply too), or only reports which would go.</summary>
    /// <param name="manager">The session manager.</param>
    /// <param name="query">Which sessions: e.g. <c>UpdatedBefore = cutoff</c>, <c>Tag = "x"</c>, or <see cref="SessionQuery.All"/>.</param>
    /// <param name="dryRun"><see langword="true"/> to delete nothing and return what would be deleted.</param>
    /// <param name="permanent"><see langword="true"/> to delete permanently instead of moving to the trash.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The sessions deleted (or that would be), as they were listed.</returns>
    /// <exception cref="NotSupportedException"><paramref name="permanent"/> is <see langword="false"/> and the store has no trash.</exception>
    public static async Task<IReadOnlyList<SessionInfo>> DeleteManyAsync(
        this ISessionManager manager, SessionQuery query, bool dryRun = false, bool permanent = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(query);
        ThrowIfNoTrash(manager, permanent);
        var matches = new List<SessionInfo>();
        await foreach (var info in manager.ListAsync(query, cancellationToken).ConfigureAwait(false))
        {
            matches.Add(info);
        }

        return dryRun ? matches : await DeleteEachAsync(manager, matches, permanent, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes every session last updated longer ago than <paramref name="olderThan"/>, or only reports which would go.</summary>
    /// <param name="manager">The session manager.</param>
    /// <param name="olderThan">How long a session must have been idle.</param>
    /// <param name="dryRun"><see langword="true"/> to delete nothing and return what would be deleted.</param>
    /// <param name="permanent"><see langword="true"/> to delete permanently instead of moving to the trash.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The sessions deleted (or that would be).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="olderThan"/> is negative.</exception>
    public static Task<IReadOnlyList<SessionInfo>> DeleteManyAsync(
        this ISessionManager manager, TimeSpan olderThan, bool dryRun = false, bool permanent = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentOutOfRangeException.ThrowIfLessThan(olderThan, TimeSpan.Zero);
        var cutoff = TimeOf(manager).GetUtcNow() - olderThan;
        return manager.DeleteManyAsync(new SessionQuery { UpdatedBefore = cutoff }, dryRun, permanent, cancellationToken);
    }

    /// <summary>Deletes sessions by id (ids with no session are skipped), or only reports which would go.</summary>
    /// <param name="manager">The session manager.</param>
    /// <param name="sessionIds">The ids; every one is validated before anything is deleted.</param>
    /// <param name="dryRun"><see langword="true"/> to delete nothing and return what would be deleted.</param>
    /// <param name="permanent"><see langword="true"/> to delete permanently instead of moving to the trash.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The sessions deleted (or that would be), in the order given.</returns>
    /// <exception cref="ArgumentException">An id is not a valid session id.</exception>
    public static async Task<IReadOnlyList<SessionInfo>> DeleteManyAsync(
        this ISessionManager manager, IEnumerable<string> sessionIds, bool dryRun = false, bool permanent = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(sessionIds);
        var ids = sessionIds.Distinct(StringComparer.Ordinal).ToList();
        foreach (var id in ids) SessionIds.Validate(id, nameof(sessionIds));
        ThrowIfNoTrash(manager, permanent);
        var matches = new List<SessionInfo>();
        foreach (var id in ids)
        {
            if (await manager.Storage.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } info) matches.Add(info);
        }

        return dryRun ? matches : await DeleteEachAsync(manager, matches, permanent, cancellationToken).ConfigureAwait(false);
    }

    internal static ILogger LoggerOf(ISessionManager manager) => (manager as SessionManager)?.Logger ?? NullLogger.Instance;

    internal static TimeProvider TimeOf(ISessionManager manager) => (manager as SessionManager)?.TimeProvider ?? TimeProvider.System;

    /// <summary>The body of <see cref="ISessionManager.DeleteAsync"/>: to the trash, never permanently.</summary>
    internal static async Task<bool> TrashAsync(ISessionStorage storage, ILogger logger, string sessionId, CancellationToken cancellationToken)
    {
        if (storage.GetCapability<ISessionTrash>() is not { } trash) throw NoTrash(storage);
        bool trashed = await trash.TrashAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (trashed) ManagementLog.Trashed(logger, sessionId);
        return trashed;
    }

    private static void ThrowIfNoTrash(ISessionManager manager, bool permanent)
    {
        if (!permanent && manager.Storage.GetCapability<ISessionTrash>() is null) throw NoTrash(manager.Storage);
    }

    private static NotSupportedException NoTrash(ISessionStorage storage) => new(
        $"The session store {storage.GetType().Name} has no trash (it does not implement ISessionTrash), so nothing was deleted. " +
        "Pass permanent: true to delete permanently, or implement ISessionTrash in the store.");

    private static async Task<IReadOnlyList<SessionInfo>> DeleteEachAsync(ISessionManager manager, List<SessionInfo> sessions, bool permanent, CancellationToken cancellationToken)
    {
        var deleted = new List<SessionInfo>(sessions.Count);
        foreach (var info in sessions)
        {
            bool gone = permanent
                ? await manager.DeleteAsync(info.Id, permanent: true, cancellationToken).ConfigureAwait(false)
                : await manager.DeleteAsync(info.Id, cancellationToken).ConfigureAwait(false);
            if (gone) deleted.Add(info);
        }

        return deleted;
    }

    private static async IAsyncEnumerable<TrashedSession> Empty([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await Task.CompletedTask.ConfigureAwait(false);
        yield break;
    }
}
