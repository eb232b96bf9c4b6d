using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>Applies <see cref="SessionRetentionPolicy"/>s, on demand or from a hosted background service.</summary>
public static class SessionRetentionExtensions
{
    /// <summary>Applies a retention policy now: trashes idle sessions, purges sessions trashed long enough; every session touched is logged.</summary>
    /// <param name="manager">The session manager.</param>
    /// <param name="policy">The policy.</param>
    /// <param name="dryRun"><see langword="true"/> to change nothing and return what would be done.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>What was (or would be) trashed and purged. Sessions trashed by this run are not purged by it.</returns>
    /// <exception cref="ArgumentException">The policy is not valid.</exception>
    /// <exception cref="NotSupportedException">The policy trashes sessions but the store has no trash; nothing was deleted.</exception>
    public static async Task<SessionRetentionResult> ApplyRetentionAsync(this ISessionManager manager, SessionRetentionPolicy policy, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(policy);
        var problems = policy.Validate();
        if (problems.Count > 0) throw new ArgumentException(string.Join(" ", problems), nameof(policy));
        var logger = SessionTrashExtensions.LoggerOf(manager);
        var now = SessionTrashExtensions.TimeOf(manager).GetUtcNow();
        string mode = dryRun ? " (dry run)" : string.Empty;

        // Purge first, from a listing taken before this run trashes anything.
        var purged = new List<TrashedSession>();
        if (policy.PurgeTrashedAfter is { } keep && manager.Storage.GetCapability<ISessionTrash>() is { } trash)
        {
            var due = new List<TrashedSession>();
            await foreach (var t in trash.ListTrashAsync(cancellationToken).ConfigureAwait(false))
            {
                if (now - t.TrashedAt >= keep) due.Add(t);
            }

            foreach (var t in due)
            {
                ManagementLog.RetentionPurge(logger, mode, t.Session.Id, t.TrashedAt);
                if (dryRun || await trash.PurgeAsync(t.Session.Id, cancellationToken).ConfigureAwait(false)) purged.Add(t);
            }
        }

        var trashed = new List<SessionInfo>();
        if (policy.TrashAfterIdle is { } idle)
        {
            if (manager.Storage is not ISessionTrash) throw new NotSupportedException(
                $"The retention policy moves idle sessions to the trash, but the session store {manager.Storage.GetType().Name} has no trash (ISessionTrash); nothing was deleted.");
            var query = (policy.Scope ?? SessionQuery.All) with { UpdatedBefore = now - idle, UpdatedAfter = null, Skip = 0, Take = null };
            var due = new List<SessionInfo>();
            await foreach (var info in manager.ListAsync(query, cancellationToken).ConfigureAwait(false))
            {
                due.Add(info);
            }

            foreach (var info in due)
            {
                ManagementLog.RetentionTrash(logger, mode, info.Id, info.UpdatedAt);
                if (dryRun || await manager.DeleteAsync(info.Id, cancellationToken).ConfigureAwait(false)) trashed.Add(info);
            }
        }

        ManagementLog.RetentionDone(logger, mode, trashed.Count, purged.Count);
        return new SessionRetentionResult { DryRun = dryRun, Trashed = trashed, Purged = purged };
    }

    /// <summary>Registers a hosted service that applies a retention policy at start and then every <see cref="SessionRetentionPolicy.Interval"/>.</summary>
    /// <param name="builder">The sessions builder.</param>
    /// <param name="configure">Sets the policy; validated when the host starts.</param>
    /// <returns>The builder.</returns>
    /// <remarks>Opt-in: nothing is ever deleted unless this (or <see cref="ApplyRetentionAsync"/>) is used. A failed run is logged and retried at the next interval.</remarks>
    public static ISessionsBuilder AddSessionRetention(this ISessionsBuilder builder, Action<SessionRetentionPolicy> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<SessionRetentionPolicy>().Configure(configure).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SessionRetentionPolicy>, SessionRetentionPolicyValidator>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SessionRetentionService>());
        return builder;
    }
}

/// <summary>Validates the registered retention policy.</summary>
internal sealed class SessionRetentionPolicyValidator : IValidateOptions<SessionRetentionPolicy>
{
    public ValidateOptionsResult Validate(string? name, SessionRetentionPolicy options)
    {
        var problems = options.Validate();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>Applies the registered retention policy at start and then periodically, on the injected clock.</summary>
internal sealed class SessionRetentionService(
    ISessionManager manager, IOptions<SessionRetentionPolicy> policy, TimeProvider timeProvider, ILogger<SessionRetentionService>? logger = null) : BackgroundService
{
    /// <summary>Gets how many runs completed (tests).</summary>
    internal int Runs => Volatile.Read(ref _runs);

    private int _runs;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var current = policy.Value;
        using var timer = new PeriodicTimer(current.Interval, timeProvider);
        do
        {
            try
            {
                await manager.ApplyRetentionAsync(current, dryRun: false, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (logger is not null) ManagementLog.RetentionFailed(logger, ex);
            }

            Interlocked.Increment(ref _runs);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
