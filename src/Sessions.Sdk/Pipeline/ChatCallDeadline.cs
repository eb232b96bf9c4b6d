using Polly;

namespace Sessions.Sdk;

/// <summary>The total timeout of one model call: a token cancelled by the caller or when the timeout elapses, armed at most once.</summary>
/// <remarks>
/// A call that never retries usually never arms its timer (see <see cref="ChatResilience.CreatePipeline"/>), so its deadline is a
/// reused token source and no timer. A deadline whose timer was armed or whose token was cancelled is never reused: a timer
/// callback still in flight could otherwise cancel a later call.
/// </remarks>
#pragma warning disable CA1001 // The source never gets a timer or a wait handle, so one left to the collector holds nothing; disposing it could race a timer callback.
internal sealed class ChatCallDeadline
#pragma warning restore CA1001
{
    /// <summary>The resilience-context property through which the retry strategy finds the call's deadline.</summary>
    public static readonly ResiliencePropertyKey<ChatCallDeadline> PropertyKey = new("Sessions.Sdk.CallDeadline");

    [ThreadStatic]
    private static ChatCallDeadline? t_cached;

    private readonly CancellationTokenSource _source = new();
    private CancellationTokenRegistration _callerLink;
    private TimeProvider _timeProvider = TimeProvider.System;
    private ITimer? _timer;
    private long _started;
    private volatile bool _expired;

    private ChatCallDeadline()
    {
    }

    /// <summary>Gets the token the call runs under.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Gets the total timeout.</summary>
    public TimeSpan Timeout { get; private set; }

    /// <summary>Gets a value indicating whether the total timeout elapsed (as opposed to the caller cancelling).</summary>
    public bool Expired => _expired;

    /// <summary>Starts a deadline at the current time.</summary>
    /// <param name="timeout">The total timeout.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="armNow">Whether to arm the timer now rather than when a retry begins.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The deadline.</returns>
    public static ChatCallDeadline Start(TimeSpan timeout, TimeProvider timeProvider, bool armNow, CancellationToken cancellationToken)
    {
        var deadline = t_cached ?? new ChatCallDeadline();
        t_cached = null;
        deadline.Timeout = timeout;
        deadline._timeProvider = timeProvider;
        deadline._started = timeProvider.GetTimestamp();
        if (cancellationToken.CanBeCanceled)
        {
            deadline._callerLink = cancellationToken.UnsafeRegister(static s => ((ChatCallDeadline)s!).Cancel(), deadline);
        }

        if (armNow)
        {
            deadline.Arm();
        }

        return deadline;
    }

    /// <summary>Arms the timer for the time left (expires at once when none is left); does nothing when already armed.</summary>
    public void Arm()
    {
        if (_timer is not null)
        {
            return;
        }

        var left = Timeout - _timeProvider.GetElapsedTime(_started);
        _timer = _timeProvider.CreateTimer(static s => ((ChatCallDeadline)s!).Elapse(), this, left > TimeSpan.Zero ? left : TimeSpan.Zero, System.Threading.Timeout.InfiniteTimeSpan);
    }

    /// <summary>Ends the call: unlinks the caller's token, stops the timer, and keeps the deadline for reuse when that is safe.</summary>
    public void Finish()
    {
        _callerLink.Dispose();
        _callerLink = default;
        if (_timer is not null)
        {
            _timer.Dispose();
            return;
        }

        if (_source.TryReset())
        {
            t_cached = this;
        }
    }

    private void Elapse()
    {
        _expired = true;
        Cancel();
    }

    private void Cancel() => _source.Cancel();
}
