namespace Sessions.Sdk;

/// <summary>Plan state events waiting to be persisted together by <see cref="PlanSession.CommitAsync"/>, in order.</summary>
/// <remarks>Used by one caller at a time (the execution's scheduler, or one review call).</remarks>
internal sealed class PlanEventBatch
{
    private readonly List<(string EventName, PlanStateEvent Event, PlanProgressKind Kind)> _events = [];

    /// <summary>Gets how many events wait.</summary>
    public int Count => _events.Count;

    /// <summary>Gets the progress reported for the events of the last commit, in order.</summary>
    public List<PlanProgress> Reported { get; } = [];

    /// <summary>Gets a waiting event.</summary>
    public (string EventName, PlanStateEvent Event, PlanProgressKind Kind) this[int index] => _events[index];

    /// <summary>Adds an event after the ones waiting.</summary>
    public void Add(string eventName, PlanStateEvent e, PlanProgressKind kind) => _events.Add((eventName, e, kind));

    /// <summary>Forgets the waiting events (after they were committed).</summary>
    public void Clear() => _events.Clear();
}
