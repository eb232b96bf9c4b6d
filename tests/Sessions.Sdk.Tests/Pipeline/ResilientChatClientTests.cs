using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Sessions.Sdk.Tests;

public sealed class ResilientChatClientTests
{
    private static ChatProviderException Transient(TimeSpan? retryAfter = null) =>
        new("fake", "503 from the server", 503, isTransient: true, retryAfter);

    private static ResilientChatClient Create(
        IChatClient inner, Action<ChatResilienceOptions>? configure = null, IChatClient? fallback = null, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        var options = new ChatResilienceOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromSeconds(1), UseJitter = false };
        configure?.Invoke(options);
        var pipeline = ChatResilience.CreatePipeline(options, "fake", logger, timeProvider);
        return new ResilientChatClient(inner, pipeline, "fake", fallback, fallback is null ? null : "backup", logger);
    }

    private static PipelineTestChatClient NeverAnswering() => new()
    {
        OnGetResponse = async (_, _, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return PipelineTestChatClient.Text("never");
        },
    };

    private static PipelineTestChatClient FailingThen(int failures, Func<Exception> error, ChatResponse? success = null)
    {
        int calls = 0;
        return new PipelineTestChatClient
        {
            OnGetResponse = (_, _, _) => ++calls <= failures ? Task.FromException<ChatResponse>(error()) : Task.FromResult(success ?? PipelineTestChatClient.Text("ok")),
        };
    }

    [Test]
    public async Task GetResponseAsync_TransientFailures_RetriesAndReturnsOnlyFinalResponse()
    {
        var inner = FailingThen(2, () => Transient());

        var response = await Create(inner).GetResponseAsync("hi");

        Assert.That(inner.Calls, Is.EqualTo(3));
        Assert.That(response.Messages, Has.Count.EqualTo(1));
        Assert.That(response.Text, Is.EqualTo("ok"));
    }

    private static IEnumerable<Func<Exception>> TransientErrors()
    {
        yield return () => new HttpRequestException("reset");
        yield return () => new HttpRequestException("busy", null, HttpStatusCode.TooManyRequests);
        yield return () => new TimeoutException("slow");
        yield return () => new IOException("broken pipe");
        yield return () => new SocketException((int)SocketError.ConnectionReset);
    }

    [TestCaseSource(nameof(TransientErrors))]
    public async Task GetResponseAsync_TransientExceptionType_IsRetried(Func<Exception> error)
    {
        var inner = FailingThen(1, error);

        var response = await Create(inner).GetResponseAsync("hi");

        Assert.That(inner.Calls, Is.EqualTo(2));
        Assert.That(response.Text, Is.EqualTo("ok"));
    }

    [Test]
    public async Task GetResponseAsync_NonTransient_IsNotRetried()
    {
        var inner = FailingThen(5, () => new ChatProviderException("fake", "401 unauthorized", 401, isTransient: false));

        var ex = await Assert.ThrowsAsync<ChatProviderException>(() => Create(inner).GetResponseAsync("hi"));

        Assert.That(ex!.StatusCode, Is.EqualTo(401));
        Assert.That(inner.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task GetResponseAsync_HttpClientError_IsNotRetried()
    {
        var inner = FailingThen(5, () => new HttpRequestException("bad request", null, HttpStatusCode.BadRequest));

        await Assert.ThrowsAsync<HttpRequestException>(() => Create(inner).GetResponseAsync("hi"));

        Assert.That(inner.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task GetResponseAsync_RetryAfter_IsHonoured()
    {
        var logs = new CapturingLoggerProvider();
        var inner = FailingThen(1, () => Transient(TimeSpan.FromMilliseconds(120)));

        await Create(inner, logger: logs.CreateLogger("x")).GetResponseAsync("hi");

        var retry = logs.Entries.Single(e => e.EventId.Id == 2010);
        Assert.That(retry.Text, Does.Contain("in 120 ms"));
    }

    [Test]
    public async Task GetResponseAsync_RetryAfterBeyondMaxDelay_IsCapped()
    {
        var logs = new CapturingLoggerProvider();
        var inner = FailingThen(1, () => Transient(TimeSpan.FromHours(1)));

        await Create(inner, o => o.MaxDelay = TimeSpan.FromMilliseconds(50), logger: logs.CreateLogger("x")).GetResponseAsync("hi");

        Assert.That(logs.Entries.Single(e => e.EventId.Id == 2010).Text, Does.Contain("in 50 ms"));
    }

    [Test]
    public async Task GetResponseAsync_AttemptTimesOut_RetriesWithFreshAttempt()
    {
        int calls = 0;
        var inner = new PipelineTestChatClient
        {
            OnGetResponse = async (_, _, ct) =>
            {
                if (++calls == 1)
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }

                return PipelineTestChatClient.Text("ok");
            },
        };

        var response = await Create(inner, o => o.AttemptTimeout = TimeSpan.FromMilliseconds(50)).GetResponseAsync("hi");

        Assert.That(calls, Is.EqualTo(2));
        Assert.That(response.Text, Is.EqualTo("ok"));
    }

    [Test]
    public async Task GetResponseAsync_TotalTimeout_ThrowsTimeoutExceptionNamingProvider()
    {
        var inner = NeverAnswering();

        var ex = await Assert.ThrowsAsync<TimeoutException>(() =>
            Create(inner, o => { o.AttemptTimeout = null; o.TotalTimeout = TimeSpan.FromMilliseconds(80); }).GetResponseAsync("hi"));

        Assert.That(ex!.Message, Does.Contain("'fake'"));
    }

    [Test]
    public async Task GetResponseAsync_TotalTimeoutElapsesDuringRetryDelay_ThrowsAtTheDeadline()
    {
        var time = new FakeTimeProvider();
        var inner = FailingThen(int.MaxValue, () => Transient());
        var client = Create(
            inner,
            o =>
            {
                o.BaseDelay = TimeSpan.FromSeconds(30);
                o.MaxDelay = TimeSpan.FromSeconds(60);
                o.AttemptTimeout = TimeSpan.FromSeconds(5);
                o.TotalTimeout = TimeSpan.FromSeconds(10);
            },
            timeProvider: time);

        var call = client.GetResponseAsync("hi");
        await WaitUntil(() => inner.Calls == 1);
        time.Advance(TimeSpan.FromSeconds(9));
        await Task.Delay(50);
        Assert.That(call.IsCompleted, Is.False, "the 30 s retry delay is still running before the 10 s total elapses");
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.That(await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(30))), Is.SameAs(call), "the call ended when the total elapsed");
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => call);

        Assert.That(ex!.Message, Does.Contain("'fake'").And.Contain(TimeSpan.FromSeconds(10).ToString()));
        Assert.That(inner.Calls, Is.EqualTo(1), "the total timeout ended the retry delay; no second attempt started");
    }

    [Test]
    public async Task GetResponseAsync_TotalTimeoutElapsesDuringALaterAttempt_ThrowsTotalNotAttemptTimeout()
    {
        var inner = NeverAnswering();

        var ex = await Assert.ThrowsAsync<TimeoutException>(() =>
            Create(inner, o => { o.AttemptTimeout = TimeSpan.FromMilliseconds(150); o.TotalTimeout = TimeSpan.FromMilliseconds(250); }).GetResponseAsync("hi"));

        Assert.That(ex!.Message, Does.Contain(TimeSpan.FromMilliseconds(250).ToString()), "the second attempt is cut by the total, armed when the retry began");
        Assert.That(inner.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task GetResponseAsync_TotalTimeoutElapses_FallsBackAndMarksProvider()
    {
        var inner = NeverAnswering();
        var backup = PipelineTestChatClient.Scripted(PipelineTestChatClient.Text("from backup"));

        var response = await Create(inner, o => { o.AttemptTimeout = null; o.TotalTimeout = TimeSpan.FromMilliseconds(80); }, backup).GetResponseAsync("hi");

        Assert.That(response.Text, Is.EqualTo("from backup"));
        Assert.That(response.AdditionalProperties![ResilientChatClient.ProviderPropertyName], Is.EqualTo("backup"));
    }

    [Test]
    public async Task GetResponseAsync_ManyCallsAfterCancelledAndTimedOutOnes_EachRunsUnderItsOwnDeadline()
    {
        int calls = 0;
        var inner = new PipelineTestChatClient
        {
            OnGetResponse = async (_, _, ct) =>
            {
                if (Interlocked.Increment(ref calls) % 3 != 0)
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }

                return PipelineTestChatClient.Text("ok");
            },
        };
        var client = Create(inner, o => { o.MaxRetryAttempts = 0; o.AttemptTimeout = null; o.TotalTimeout = TimeSpan.FromMilliseconds(300); });

        for (int round = 0; round < 5; round++)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => client.GetResponseAsync("hangs"));
            using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(20)))
            {
                await Assert.ThatAsync(() => client.GetResponseAsync("hangs", cancellationToken: cts.Token), Throws.InstanceOf<OperationCanceledException>());
            }

            Assert.That((await client.GetResponseAsync("ok")).Text, Is.EqualTo("ok"), "a deadline that expired or was cancelled is never reused");
        }

        Assert.That(calls, Is.EqualTo(15));
    }

    [Test]
    public async Task GetResponseAsync_CallerCancels_IsNotRetried()
    {
        using var cts = new CancellationTokenSource();
        var inner = new PipelineTestChatClient
        {
            OnGetResponse = (_, _, _) =>
            {
                cts.Cancel();
                return Task.FromException<ChatResponse>(new OperationCanceledException(cts.Token));
            },
        };

        await Assert.ThrowsAsync<OperationCanceledException>(() => Create(inner).GetResponseAsync("hi", cancellationToken: cts.Token));

        Assert.That(inner.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task GetResponseAsync_CircuitOpen_FailsFastWithProviderException()
    {
        var inner = FailingThen(int.MaxValue, () => Transient());
        var client = Create(inner, o =>
        {
            o.MaxRetryAttempts = 0;
            o.MinimumThroughput = 2;
            o.FailureRatio = 0.5;
            o.BreakDuration = TimeSpan.FromSeconds(30);
        });
        await Assert.ThrowsAsync<ChatProviderException>(() => client.GetResponseAsync("1"));
        await Assert.ThrowsAsync<ChatProviderException>(() => client.GetResponseAsync("2"));

        var ex = await Assert.ThrowsAsync<ChatProviderException>(() => client.GetResponseAsync("3"));

        Assert.That(ex!.Message, Does.Contain("circuit is open"));
        Assert.That(ex.IsTransient, Is.True);
        Assert.That(inner.Calls, Is.EqualTo(2), "the third call never reached the provider");
    }

    [Test]
    public async Task GetResponseAsync_PrimaryKeepsFailing_FallsBackAndMarksProvider()
    {
        var inner = FailingThen(int.MaxValue, () => Transient());
        var backup = PipelineTestChatClient.Scripted(PipelineTestChatClient.Text("from backup"));

        var response = await Create(inner, o => o.MaxRetryAttempts = 1, backup).GetResponseAsync("hi");

        Assert.Multiple(() =>
        {
            Assert.That(inner.Calls, Is.EqualTo(2));
            Assert.That(response.Text, Is.EqualTo("from backup"));
            Assert.That(response.AdditionalProperties![ResilientChatClient.ProviderPropertyName], Is.EqualTo("backup"));
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_FailsBeforeFirstUpdate_IsRetried()
    {
        int calls = 0;
        var inner = new PipelineTestChatClient
        {
            OnGetStreamingResponse = (_, _, ct) => ++calls == 1 ? Throwing(Transient()) : PipelineTestChatClient.Yield([new ChatResponseUpdate(ChatRole.Assistant, "a"), new ChatResponseUpdate(null, "b")], ct),
        };

        var text = string.Empty;
        await foreach (var update in Create(inner).GetStreamingResponseAsync("hi"))
        {
            text += update.Text;
        }

        Assert.That(calls, Is.EqualTo(2));
        Assert.That(text, Is.EqualTo("ab"));
    }

    [Test]
    public async Task GetStreamingResponseAsync_FailsAfterOutput_PropagatesWithoutReplay()
    {
        var inner = new PipelineTestChatClient { OnGetStreamingResponse = (_, _, _) => FailAfterFirst() };
        var received = new List<string>();

        var ex = await Assert.ThrowsAsync<ChatProviderException>(async () =>
        {
            await foreach (var update in Create(inner).GetStreamingResponseAsync("hi"))
            {
                received.Add(update.Text);
            }
        });

        Assert.That(ex!.StatusCode, Is.EqualTo(503));
        Assert.That(inner.Calls, Is.EqualTo(1), "a stream that yielded output is never replayed");
        Assert.That(received, Is.EqualTo(new[] { "partial" }));
    }

    [Test]
    public async Task GetStreamingResponseAsync_FirstUpdateTimesOut_RetriesAndKeepsStreaming()
    {
        int calls = 0;
        var inner = new PipelineTestChatClient
        {
            OnGetStreamingResponse = (_, _, ct) => ++calls == 1 ? Hanging(ct) : SlowAfterFirst(ct),
        };

        var text = string.Empty;
        await foreach (var update in Create(inner, o => o.AttemptTimeout = TimeSpan.FromMilliseconds(50)).GetStreamingResponseAsync("hi"))
        {
            text += update.Text;
        }

        Assert.That(calls, Is.EqualTo(2));
        Assert.That(text, Is.EqualTo("ab"), "the attempt timeout stops at the first update; the rest of the stream may take longer");
    }

    [Test]
    public async Task GetStreamingResponseAsync_PrimaryFailsBeforeOutput_StreamsFromFallback()
    {
        var inner = new PipelineTestChatClient { OnGetStreamingResponse = (_, _, _) => Throwing(Transient()) };
        var backup = PipelineTestChatClient.ScriptedStream([new ChatResponseUpdate(ChatRole.Assistant, "backup")]);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in Create(inner, o => o.MaxRetryAttempts = 0, backup).GetStreamingResponseAsync("hi"))
        {
            updates.Add(update);
        }

        Assert.That(updates.Single().Text, Is.EqualTo("backup"));
        Assert.That(updates.Single().AdditionalProperties![ResilientChatClient.ProviderPropertyName], Is.EqualTo("backup"));
    }

    [TestCase(nameof(ChatResilienceOptions.MaxRetryAttempts))]
    [TestCase(nameof(ChatResilienceOptions.FailureRatio))]
    [TestCase(nameof(ChatResilienceOptions.AttemptTimeout))]
    [TestCase(nameof(ChatResilienceOptions.BreakDuration))]
    [TestCase(nameof(ChatResilienceOptions.MaxDelay))]
    public void CreatePipeline_InvalidOption_ThrowsNamingIt(string option)
    {
        var options = new ChatResilienceOptions();
        switch (option)
        {
            case nameof(ChatResilienceOptions.MaxRetryAttempts): options.MaxRetryAttempts = -1; break;
            case nameof(ChatResilienceOptions.FailureRatio): options.FailureRatio = 0; break;
            case nameof(ChatResilienceOptions.AttemptTimeout): options.AttemptTimeout = TimeSpan.Zero; break;
            case nameof(ChatResilienceOptions.BreakDuration): options.BreakDuration = TimeSpan.FromMilliseconds(1); break;
            case nameof(ChatResilienceOptions.MaxDelay): options.MaxDelay = TimeSpan.FromMilliseconds(1); break;
        }

        var ex = Assert.Throws<ArgumentException>(() => ChatResilience.CreatePipeline(options, "fake"));

        Assert.That(ex!.Message, Does.Contain($"ChatResilienceOptions.{option}"));
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Throwing(Exception error)
    {
        await Task.Yield();
        throw error;
#pragma warning disable CS0162 // an iterator needs a yield
        yield break;
#pragma warning restore CS0162
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> FailAfterFirst()
    {
        await Task.Yield();
        yield return new ChatResponseUpdate(ChatRole.Assistant, "partial");
        throw Transient();
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Hanging([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.Delay(Timeout.Infinite, ct);
        yield break;
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> SlowAfterFirst([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        yield return new ChatResponseUpdate(ChatRole.Assistant, "a");
        await Task.Delay(150, ct);
        yield return new ChatResponseUpdate(null, "b");
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.That(condition(), Is.True, "the condition held within 5 s");
    }
}
