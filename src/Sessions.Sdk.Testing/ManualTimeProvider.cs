namespace Sessions.Sdk.Testing;

/// <summary>Provides a clock for tests that moves only when told to, with timers that fire as it moves.</summary>
/// <remarks>Thread-safe. Timer callbacks run synchronously on the thread that advances the clock, in due-time order.</remarks>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _utcNow;
    private TimeSpan _autoAdvance;

    /// <summary>Initializes a clock that starts at 2025-01-01T00:00:00Z.</summary>
    public ManualTimeProvider()
        : this(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>Initializes a clock that starts at <paramref name="startTime"/>.</summary>
    /// <param name="startTime">The initial time.</param>
    public ManualTimeProvider(DateTimeOffset startTime)
    {
        _utcNow = startTime.ToUniversalTime();
    }

    /// <summary>Gets or sets how far the clock moves after each <see cref="GetUtcNow"/> call, so successive readings differ.</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/> (the clock moves only through <see cref="Advance"/>).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan AutoAdvanceAmount
    {
        get { lock (_gate) return _autoAdvance; }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            lock (_gate) _autoAdvance = value;
        }
    }

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow()
    {
        DateTimeOffset now;
        TimeSpan step;
        lock (_gate)
        {
            now = _utcNow;
            step = _autoAdvance;
        }

        if (step > TimeSpan.Zero) Advance(step);
        return now;
    }

    /// <inheritdoc/>
    public override long GetTimestamp()
    {
        lock (_gate) return _utcNow.UtcTicks;
    }

    /// <summary>Moves the clock forward and fires the timers that fall due, in order.</summary>
    /// <param name="delta">How far to move; zero fires timers already due.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is negative.</exception>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_gate) target = _utcNow + delta;
        MoveTo(target);
    }

    /// <summary>Sets the clock to a later time and fires the timers that fall due, in order.</summary>
    /// <param name="value">The new time; not earlier than the current time.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is earlier than the current time.</exception>
    public void SetUtcNow(DateTimeOffset value)
    {
        lock (_gate)
        {
            if (value < _utcNow)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"The clock cannot go back: it reads {_utcNow:O}.");
            }
        }

        MoveTo(value);
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void MoveTo(DateTimeOffset target)
    {
        while (true)
        {
            ManualTimer? due = null;
            lock (_gate)
            {
                foreach (var timer in _timers)
                {
                    if (timer.DueAt <= target && (due is null || timer.DueAt < due.DueAt)) due = timer;
                }

                if (due is null)
                {
                    if (target > _utcNow) _utcNow = target;
                    return;
                }

                if (due.DueAt > _utcNow) _utcNow = due.DueAt;
                if (due.Period > TimeSpan.Zero)
                {
                    due.DueAt += due.Period;
                }
                else
                {
                    _timers.Remove(due);
                }
            }

            due.Fire();
        }
    }

    private void Schedule(ManualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        bool fireNow = false;
        lock (_gate)
        {
            _timers.Remove(timer);
            if (dueTime == Timeout.InfiniteTimeSpan) return;
            ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
            timer.DueAt = _utcNow + dueTime;
            timer.Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
            _timers.Add(timer);
            fireNow = dueTime == TimeSpan.Zero;
        }

        if (fireNow) Advance(TimeSpan.Zero);
    }

    private void Unschedule(ManualTimer timer)
    {
        lock (_gate) _timers.Remove(timer);
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private bool _disposed;

        public DateTimeOffset DueAt { get; set; }

        public TimeSpan Period { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (Volatile.Read(ref _disposed)) return false;
            owner.Schedule(this, dueTime, period);
            return true;
        }

        public void Fire()
        {
            if (!Volatile.Read(ref _disposed)) callback(state);
        }

        public void Dispose()
        {
            Volatile.Write(ref _disposed, true);
            owner.Unschedule(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
