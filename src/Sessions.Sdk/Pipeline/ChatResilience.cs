using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Sessions.Sdk;

/// <summary>Builds the Polly v8 pipeline for model calls and classifies failures.</summary>
internal static class ChatResilience
{
    /// <summary>Creates the pipeline: total timeout, then retry, then circuit breaker, then attempt timeout (outer to inner).</summary>
    public static ResiliencePipeline CreatePipeline(ChatResilienceOptions options, string providerName, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        logger ??= NullLogger.Instance;
        var builder = new ResiliencePipelineBuilder
        {
            Name = "Sessions.Sdk.Chat",
            InstanceName = providerName,
            TimeProvider = timeProvider ?? TimeProvider.System,
        };

        if (options.TotalTimeout is { } total)
        {
            builder.AddTimeout(new TimeoutStrategyOptions { Name = "total-timeout", Timeout = total });
        }

        if (options.MaxRetryAttempts > 0)
        {
            var maxDelay = options.MaxDelay;
            builder.AddRetry(new RetryStrategyOptions
            {
                Name = "retry",
                ShouldHandle = static args => new ValueTask<bool>(IsTransient(args.Outcome.Exception)),
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = options.UseJitter,
                Delay = options.BaseDelay,
                MaxDelay = maxDelay,
                DelayGenerator = args => new ValueTask<TimeSpan?>(RetryAfter(args.Outcome.Exception) is { } after ? (after > maxDelay ? maxDelay : after) : null),
                OnRetry = args =>
                {
                    ChatLog.Retrying(logger, providerName, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, ErrorType(args.Outcome.Exception));
                    return default;
                },
            });
        }

        if (options.EnableCircuitBreaker)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                Name = "circuit-breaker",
                ShouldHandle = static args => new ValueTask<bool>(IsTransient(args.Outcome.Exception)),
                FailureRatio = options.FailureRatio,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = options.SamplingDuration,
                BreakDuration = options.BreakDuration,
                OnOpened = args =>
                {
                    ChatLog.CircuitOpened(logger, providerName, args.BreakDuration.TotalMilliseconds);
                    return default;
                },
                OnClosed = _ =>
                {
                    ChatLog.CircuitClosed(logger, providerName);
                    return default;
                },
            });
        }

        if (options.AttemptTimeout is { } attempt)
        {
            builder.AddTimeout(new TimeoutStrategyOptions { Name = "attempt-timeout", Timeout = attempt });
        }

        return builder.Build();
    }

    /// <summary>Returns whether retrying may succeed.</summary>
    public static bool IsTransient(Exception? exception) => exception switch
    {
        null => false,
        ChatProviderException provider => provider.IsTransient,
        HttpRequestException http => http.StatusCode is null || (int)http.StatusCode.Value is 408 or 429 or >= 500,
        TimeoutRejectedException => true,
        TimeoutException => true,
        SocketException => true,
        IOException => true,
        _ => false,
    };

    /// <summary>Returns whether another provider should be tried after this failure.</summary>
    public static bool ShouldFallback(Exception exception) =>
        IsTransient(exception) || exception is BrokenCircuitException or ChatProviderException;

    /// <summary>Turns Polly's rejections into the exceptions callers handle.</summary>
    public static Exception? Translate(Exception exception, string providerName) => exception switch
    {
        TimeoutRejectedException timeout => new TimeoutException(
            $"The model call to provider '{providerName}' timed out after {timeout.Timeout}.", timeout),
        BrokenCircuitException broken => new ChatProviderException(
            providerName,
            $"Calls to provider '{providerName}' are rejected while its circuit is open after repeated failures.",
            statusCode: null,
            isTransient: true,
            retryAfter: broken.RetryAfter,
            innerException: broken),
        _ => null,
    };

    public static string ErrorType(Exception? exception) => exception switch
    {
        null => "unknown",
        ChatProviderException { StatusCode: { } status } => $"{nameof(ChatProviderException)} ({status})",
        _ => exception.GetType().Name,
    };

    private static TimeSpan? RetryAfter(Exception? exception) =>
        exception is ChatProviderException { RetryAfter: { } after } && after > TimeSpan.Zero ? after : null;
}
