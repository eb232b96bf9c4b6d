using Microsoft.Extensions.AI;
using Moq;

namespace Sessions.Sdk.Tests;

public sealed class SessionStatisticsCalculatorTests
{
    [Test]
    public async Task ComputeAsync_SeveralPages_ReadsInPagesAndSummarizes()
    {
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var messages = new List<SessionMessage>();
        for (int i = 0; i < 5; i++)
        {
            messages.Add(new SessionMessage { Sequence = (2 * i) + 1, Message = new ChatMessage(ChatRole.User, "abcd"), Timestamp = t0.AddMinutes(2 * i) });
            messages.Add(new SessionMessage
            {
                Sequence = (2 * i) + 2,
                Message = new ChatMessage(ChatRole.Assistant, [new TextContent("xy"), new FunctionCallContent("c" + i, "f")]),
                Timestamp = t0.AddMinutes((2 * i) + 1),
                ModelId = i < 3 ? "m1" : "m2",
                Latency = TimeSpan.FromMilliseconds(100 * (i + 1)),
            });
        }

        var storage = new Mock<ISessionStorage>(MockBehavior.Strict);
        storage.Setup(s => s.GetMessagesAsync("s", It.IsAny<MessageRange>(), It.IsAny<CancellationToken>()))
            .Returns((string _, MessageRange r, CancellationToken _) =>
            {
                var (start, length) = r.Resolve(messages.Count);
                return ValueTask.FromResult<IReadOnlyList<SessionMessage>>(messages.GetRange((int)start, (int)length));
            });
        var usage = new SessionUsage { InputTokens = 100, OutputTokens = 20, TotalTokens = 120, Cost = 0.5m, Requests = 5 };
        var info = new SessionInfo { Id = "s", CreatedAt = t0, UpdatedAt = t0, Usage = usage, MessageCount = 10 };

        var stats = await SessionStatisticsCalculator.ComputeAsync(storage.Object, info, pageSize: 4);

        storage.Verify(s => s.GetMessagesAsync("s", It.Is<MessageRange>(r => r.Take == 4), It.IsAny<CancellationToken>()), Times.Exactly(3));
        Assert.Multiple(() =>
        {
            Assert.That(stats.MessageCount, Is.EqualTo(10));
            Assert.That(stats.MessagesByRole["user"], Is.EqualTo(5));
            Assert.That(stats.MessagesByRole["assistant"], Is.EqualTo(5));
            Assert.That(stats.TotalCharacters, Is.EqualTo(30));
            Assert.That(stats.AverageCharactersPerMessage, Is.EqualTo(3.0));
            Assert.That(stats.ToolCallCount, Is.EqualTo(5));
            Assert.That(stats.ModelsUsed, Is.EqualTo(new[] { "m1", "m2" }));
            Assert.That(stats.Usage, Is.SameAs(usage));
            Assert.That(stats.AverageResponseTime, Is.EqualTo(TimeSpan.FromMilliseconds(300)));
            Assert.That(stats.Duration, Is.EqualTo(TimeSpan.FromMinutes(9)));
        });
    }

    [Test]
    public async Task ComputeAsync_EmptySession_ReturnsZeros()
    {
        var storage = new Mock<ISessionStorage>(MockBehavior.Strict);
        storage.Setup(s => s.GetMessagesAsync("e", It.IsAny<MessageRange>(), It.IsAny<CancellationToken>())).ReturnsAsync(Array.Empty<SessionMessage>());
        var info = new SessionInfo { Id = "e", CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch };

        var stats = await SessionStatisticsCalculator.ComputeAsync(storage.Object, info);

        Assert.That((stats.MessageCount, stats.AverageCharactersPerMessage, stats.AverageResponseTime, stats.Duration), Is.EqualTo((0L, 0.0, (TimeSpan?)null, TimeSpan.Zero)));
    }
}
