using System.Text;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

/// <summary>The journal's reused line writer: byte for byte what the shared serializer writes, however often it is reused.</summary>
[TestFixture]
public sealed class FileJournalTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Test]
    public void LineWriter_ReusedAcrossAppends_WritesExactlyTheSerializerLines()
    {
        SessionMessage[] messages =
        [
            new() { Sequence = 1, Timestamp = T0, Message = new ChatMessage(ChatRole.User, "plain \"quoted\" <b> é 😀 \u0001") },
            new() { Sequence = 2, Timestamp = T0.AddSeconds(1), Message = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]), ProviderName = "p", ModelId = "m" },
            new() { Sequence = 3, Timestamp = T0.AddSeconds(2), Message = new ChatMessage(ChatRole.Assistant, "done"), Usage = new SessionUsage { InputTokens = 3, OutputTokens = 4, Requests = 1, Cost = 0.25m }, Latency = TimeSpan.FromMilliseconds(12.5), Pinned = true },
            new() { Sequence = 4, Timestamp = T0.AddSeconds(3), Message = new ChatMessage(ChatRole.User, new string('x', 5000)) },
        ];
        using var writer = new FileJournal.LineWriter();
        for (int round = 0; round < 3; round++)
        {
            var buffer = writer.Start();
            foreach (var message in messages) writer.Write(message, checksum: false);
            var expected = string.Concat(messages.Select(m => SessionJson.SerializeMessageToString(m) + "\n"));
            Assert.That(Encoding.UTF8.GetString(buffer.WrittenSpan), Is.EqualTo(expected), $"round {round}");
            Assert.That(writer.Finish(), Is.True);
        }

        // One message at a time, as appends of one message do: no separator or state left over from the previous line.
        foreach (var message in messages)
        {
            var buffer = writer.Start();
            writer.Write(message, checksum: false);
            Assert.That(Encoding.UTF8.GetString(buffer.WrittenSpan), Is.EqualTo(SessionJson.SerializeMessageToString(message) + "\n"));
        }
    }

    [Test]
    public void LineWriter_Finish_AfterAHugeAppend_SaysNotToKeepIt()
    {
        using var writer = new FileJournal.LineWriter();
        writer.Start();
        writer.Write(new SessionMessage { Sequence = 1, Timestamp = T0, Message = new ChatMessage(ChatRole.User, new string('y', 400_000)) });
        Assert.That(writer.Finish(), Is.False);
    }
}
