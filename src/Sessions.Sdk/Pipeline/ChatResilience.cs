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
    /// <summary>Creates the pipeline: retry, then circuit breaker, then attempt timeout (outer to inner), and the call's total timeout.</summary>
    /// <remarks>
    /// The total timeout is not a Polly strategy: <see cref="ResilientChatClient"/> gives each call a <see cref="ChatCallDeadline"/>
    /// whose token the pipeline runs under. When the attempt timeout is shorter than the total, the first attempt cannot outlast
    /// the total, so the deadline's timer is armed only when a retry begins (most calls never arm one); otherwise it is armed
    /// when the call starts.
    /// </remarks>
    public static ChatResiliencePipeline CreatePipeline(ChatResilienceOptions options, string providerName, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        logger ??= NullLogger.Instance;
        timeProvider ??= TimeProvider.System;
        var builder = new ResiliencePipelineBuilder
        {
            Name = "Sessions.Sdk.Chat",
            InstanceName = providerName,
            TimeProvider = timeProvider,
        };

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
                    if (args.Context.Properties.TryGetValue(ChatCallDeadline.PropertyKey, out var deadline))
                    {
                        deadline.Arm();
                    }

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

        var total = options.TotalTimeout;
        bool armAtStart = total is { } t && (options.AttemptTimeout is not { } a || a >= t);
        return new ChatResiliencePipeline(builder.Build(), total, armAtStart, timeProvider);
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
