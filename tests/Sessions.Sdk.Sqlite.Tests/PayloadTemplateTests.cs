using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

/// <summary>Tests that pre-serialized payloads patched with their sequence equal what SessionJson writes.</summary>
[TestFixture]
public sealed class PayloadTemplateTests
{
    [TestCase(1L)]
    [TestCase(9L)]
    [TestCase(10L)]
    [TestCase(12345L)]
    [TestCase(long.MaxValue)]
    public void For_AssignedSequence_EqualsSessionJsonBytes(long sequence)
    {
        var message = new SessionMessage
        {
            Message = new ChatMessage(ChatRole.Assistant, "hello \"world\" ✓"),
            Timestamp = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)),
            ProviderName = "p",
            Usage = new SessionUsage { InputTokens = 3, Cost = 0.5m },
            Pinned = true,
        };

        var template = PayloadTemplate.Create(message with { Sequence = 77 });
        var assigned = message with { Sequence = sequence };

        Assert.That(template.For(assigned), Is.EqualTo(SessionJson.SerializeMessage(assigned)));
        Assert.That(SessionJson.DeserializeMessage(template.For(assigned)).Sequence, Is.EqualTo(sequence));
    }
}
