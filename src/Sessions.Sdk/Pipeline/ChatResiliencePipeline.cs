using Polly;

namespace Sessions.Sdk;

/// <summary>A provider's Polly pipeline (retry, circuit breaker, attempt timeout) and the total timeout its calls run under.</summary>
/// <param name="Pipeline">The Polly pipeline each model call runs through.</param>
/// <param name="TotalTimeout">The timeout of a call including all retries; <see langword="null"/> for none.</param>
/// <param name="ArmTotalAtStart">
/// Whether the total timeout must be armed when a call starts: there is no attempt timeout, or it is not shorter than the total.
/// Otherwise the first attempt ends before the total can elapse, and the total is armed when a retry begins.
/// </param>
/// <param name="TimeProvider">The clock of the timeouts and retry delays.</param>
internal sealed record ChatResiliencePipeline(ResiliencePipeline Pipeline, TimeSpan? TotalTimeout, bool ArmTotalAtStart, TimeProvider TimeProvider)
{
    /// <summary>Starts a call's deadline, or returns <see langword="null"/> when calls have no total timeout.</summary>
    /// <param name="cancellationToken">The caller's token, which also cancels the deadline's token.</param>
    /// <returns>The deadline to run the call under and to finish when the call ends.</returns>
    public ChatCallDeadline? StartDeadline(CancellationToken cancellationToken) =>
        TotalTimeout is { } total ? ChatCallDeadline.Start(total, TimeProvider, ArmTotalAtStart, cancellationToken) : null;
}
