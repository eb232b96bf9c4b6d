namespace Sessions.Sdk;

/// <summary>Configures retries, timeouts, the circuit breaker and the fallback provider of model calls (Polly v8).</summary>
/// <remarks>
/// Transient failures are <see cref="ChatProviderException"/> with <see cref="ChatProviderException.IsTransient"/>,
/// <see cref="HttpRequestException"/> (no status, 408, 429, 5xx), <see cref="TimeoutException"/>, <see cref="IOException"/>,
/// socket errors and attempt timeouts. A streamed call is retried only before its first update.
/// </remarks>
public sealed class ChatResilienceOptions
{
    /// <summary>Gets or sets a value indicating whether model calls go through the resilience pipeline at all.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets how many times a transient failure is retried.</summary>
    /// <value>The default value is 3; 0 disables retries. At most 20.</value>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>Gets or sets the delay before the first retry; later retries back off exponentially.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest delay between retries, also capping a server's Retry-After.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets a value indicating whether retry delays are randomized to spread load.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool UseJitter { get; set; } = true;

    /// <summary>Gets or sets the timeout of one attempt (for a stream: until its first update); <see langword="null"/> for none.</summary>
    /// <value>The default value is 5 minutes, long enough for a large non-streamed reply, and equal to the OpenAI provider's network timeout.</value>
    public TimeSpan? AttemptTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the timeout of a call including all retries; <see langword="null"/> for none.</summary>
    /// <value>The default value is 15 minutes.</value>
    public TimeSpan? TotalTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Gets or sets a value indicating whether each provider has a circuit breaker that fails fast after repeated failures.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool EnableCircuitBreaker { get; set; } = true;

    /// <summary>Gets or sets the failure ratio within <see cref="SamplingDuration"/> that opens the circuit.</summary>
    /// <value>The default value is 0.5.</value>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Gets or sets the minimum number of calls within <see cref="SamplingDuration"/> before the circuit may open.</summary>
    /// <value>The default value is 10.</value>
    public int MinimumThroughput { get; set; } = 10;

    /// <summary>Gets or sets the window over which failures are counted.</summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how long the circuit stays open before a trial call.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the registered provider to call when the session's provider still fails after retries or its circuit is open.</summary>
    /// <value>The default value is <see langword="null"/> (no fallback).</value>
    public string? FallbackProvider { get; set; }

    /// <summary>Gets or sets the model to ask the fallback provider for; <see langword="null"/> for its default model.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? FallbackModelId { get; set; }

    /// <summary>Returns the first problem with these options, or <see langword="null"/> when they are valid.</summary>
    internal string? FindProblem()
    {
        if (MaxRetryAttempts is < 0 or > 20) return $"{Name(nameof(MaxRetryAttempts))} must be between 0 and 20 (was {MaxRetryAttempts}).";
        if (BaseDelay < TimeSpan.Zero || BaseDelay > TimeSpan.FromDays(1)) return $"{Name(nameof(BaseDelay))} must be between 0 and 1 day (was {BaseDelay}).";
        if (MaxDelay < BaseDelay || MaxDelay > TimeSpan.FromDays(1)) return $"{Name(nameof(MaxDelay))} must be at least BaseDelay and at most 1 day (was {MaxDelay}).";
        if (AttemptTimeout is { } attempt && (attempt < TimeSpan.FromMilliseconds(10) || attempt > TimeSpan.FromDays(1))) return $"{Name(nameof(AttemptTimeout))} must be between 10 ms and 1 day, or null (was {attempt}).";
        if (TotalTimeout is { } total && (total < TimeSpan.FromMilliseconds(10) || total > TimeSpan.FromDays(1))) return $"{Name(nameof(TotalTimeout))} must be between 10 ms and 1 day, or null (was {total}).";
        if (FailureRatio is <= 0 or > 1 || double.IsNaN(FailureRatio)) return $"{Name(nameof(FailureRatio))} must be greater than 0 and at most 1 (was {FailureRatio}).";
        if (MinimumThroughput < 2) return $"{Name(nameof(MinimumThroughput))} must be at least 2 (was {MinimumThroughput}).";
        if (SamplingDuration < TimeSpan.FromMilliseconds(500) || SamplingDuration > TimeSpan.FromDays(1)) return $"{Name(nameof(SamplingDuration))} must be between 500 ms and 1 day (was {SamplingDuration}).";
        if (BreakDuration < TimeSpan.FromMilliseconds(500) || BreakDuration > TimeSpan.FromDays(1)) return $"{Name(nameof(BreakDuration))} must be between 500 ms and 1 day (was {BreakDuration}).";
        if (FallbackProvider is { } fallback && string.IsNullOrWhiteSpace(fallback)) return $"{Name(nameof(FallbackProvider))} must be null or a provider name.";
        return null;

        static string Name(string option) => $"{nameof(ChatResilienceOptions)}.{option}";
    }

    /// <summary>Throws when an option is out of range.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    internal void Validate()
    {
        if (FindProblem() is { } problem)
        {
            throw new ArgumentException(problem, "options");
        }
    }
}
