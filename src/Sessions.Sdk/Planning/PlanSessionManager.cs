using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk;

/// <summary>The default <see cref="IPlanSessionManager"/>: plan sessions over the registered <see cref="ISessionManager"/>.</summary>
internal sealed class PlanSessionManager : IPlanSessionManager
{
    private readonly ISessionManager _sessions;

    public PlanSessionManager(ISessionManager sessions, IOptions<PlanningOptions> options, IPlanStepExecutor executor, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _sessions = sessions;
        Options = options.Value;
        Executor = executor;
        TimeProvider = timeProvider;
        Logger = loggerFactory?.CreateLogger("Sessions.Sdk.Planning") ?? NullLogger.Instance;
    }

    internal PlanningOptions Options { get; }

    internal IPlanStepExecutor Executor { get; }

    internal TimeProvider TimeProvider { get; }

    internal ILogger Logger { get; }

    /// <inheritdoc/>
    public async Task<PlanSession> CreateAsync(string goal, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(goal);
        var session = await NewSessionAsync(goal, cancellationToken).ConfigureAwait(false);
        PlanSession plan;
        try
        {
            var (title, steps) = await PlanWriter.WriteAsync(session, goal, Options, Logger, cancellationToken).ConfigureAwait(false);
            plan = await StoreCreatedAsync(session, goal, title, steps, "model", cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A create that failed stores nothing: the half-made session goes.
            await _sessions.DeleteAsync(session.Id, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return await AutoExecuteAsync(plan, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<PlanSession> CreateAsync(string goal, IEnumerable<PlanStep> steps, string? title = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(goal);
        var definitions = PlanValidator.ValidateExplicit(steps, Options.MaxSteps, nameof(steps));
        var session = await NewSessionAsync(title ?? goal, cancellationToken).ConfigureAwait(false);
        PlanSession plan;
        try
        {
            plan = await StoreCreatedAsync(session, goal, title ?? goal, definitions, "user", cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await _sessions.DeleteAsync(session.Id, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return await AutoExecuteAsync(plan, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<PlanSession> OpenAsync(string planId, CancellationToken cancellationToken = default)
    {
        var session = await _sessions.OpenAsync(planId, cancellationToken).ConfigureAwait(false);
        if (session.Kind != SessionKind.Plan)
        {
            throw new ArgumentException($"Session '{planId}' is a '{session.Kind}' session, not a plan session.", nameof(planId));
        }

        var folder = new PlanStateFolder(session.Id);
        await foreach (var (eventName, data) in PlanSessionChannel.ReadStateAsync(session, cancellationToken).ConfigureAwait(false))
        {
            folder.Apply(eventName, PlanStateEvent.FromJson(data, session.Id));
        }

        if (folder.Plan is null)
        {
            throw new SessionFormatException($"Plan session '{planId}' holds no plan (its creation did not finish); delete it and create the plan again.", planId);
        }

        return new PlanSession(this, session, folder);
    }

    private Task<Session> NewSessionAsync(string title, CancellationToken cancellationToken) =>
        _sessions.Create()
            .WithKind(SessionKind.Plan)
            .WithTitle(title.Length <= 200 ? title : title[..200])
            .WithSystemPrompt(Options.SystemPrompt ?? PlanWriter.DefaultSystemPrompt)
            .CreateAsync(cancellationToken);

    private async Task<PlanSession> StoreCreatedAsync(Session session, string goal, string title, List<PlanStepDefinition> steps, string origin, CancellationToken cancellationToken)
    {
        var created = new PlanStateEvent
        {
            At = TimeProvider.GetUtcNow(),
            Goal = goal,
            Title = title,
            Steps = steps,
            Origin = origin,
            RequireApproval = Options.RequireApproval,
        };
        await PlanSessionChannel.AppendStateAsync(session, PlanEvents.Created, created.ToJson(), cancellationToken).ConfigureAwait(false);
        var folder = new PlanStateFolder(session.Id);
        folder.Apply(PlanEvents.Created, created);
        PlanningLog.PlanCreated(Logger, session.Id, steps.Count, origin);
        return new PlanSession(this, session, folder);
    }

    private async Task<PlanSession> AutoExecuteAsync(PlanSession plan, CancellationToken cancellationToken)
    {
        if (Options.AutoExecute && !Options.RequireApproval)
        {
            await plan.ExecuteAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return plan;
    }
}
