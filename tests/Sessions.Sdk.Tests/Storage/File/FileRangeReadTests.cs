using System.Text;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>
/// Forward range reads (<see cref="MessageRange.Slice"/>, <see cref="MessageRange.First"/>) on long journals, which seek through
/// the session's offset index instead of scanning from the start: exactly the right records in every case, including after
/// appends and replacements by another instance and with a damaged record inside or outside the range (or at an index point).
/// </summary>
[TestFixture]
public sealed class FileRangeReadTests
{
    private const int Length = 1000;
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private string _root = null!;
    private readonly List<FileSessionStorage> _stores = [];

    [SetUp]
    public void SetUp() => _root = Path.Combine(Path.GetTempPath(), "sessions-file-range-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void TearDown()
    {
        foreach (var store in _stores) store.Dispose();
        _stores.Clear();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task GetMessagesAsync_SlicesOfALongJournal_ReturnExactlyTheWantedRecords(bool native)
    {
        var store = NewStore(native);
        await store.CreateAsync(FileSessionStorageTests.Session("s"), FileSessionStorageTests.Messages(Length, "m"));

        // Pages in order (as an export reads), then slices in a scattered order that jumps back and forth over index points.
        for (int skip = 0; skip < Length; skip += 97) await AssertSliceAsync(store, skip, 97);
        var random = new Random(20261206);
        for (int i = 0; i < 60; i++) await AssertSliceAsync(store, random.Next(0, Length + 10), random.Next(1, 130));
        foreach (int skip in new[] { 0, 1, 63, 64, 65, 127, 128, 999, 1000, 1500 }) await AssertSliceAsync(store, skip, 3);
        Assert.That((await store.GetMessagesAsync("s", MessageRange.First(5))).Select(m => m.Sequence), Is.EqualTo(new long[] { 1, 2, 3, 4, 5 }));
        Assert.That(await store.GetMessagesAsync("s", MessageRange.Slice(990, 100)), Has.Count.EqualTo(10));
        Assert.That((await NewStore(native).GetMessagesAsync("s", MessageRange.Slice(500, 2))).Select(m => m.Text), Is.EqualTo(new[] { "m501", "m502" }), "a fresh instance with no index");
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task GetMessagesAsync_AfterAppendsByAnotherInstance_SeesThemAndKeepsTheEarlierOnes(bool native)
    {
        var reader = NewStore(native);
        var writer = NewStore(native);
        await writer.CreateAsync(FileSessionStorageTests.Session("s"), FileSessionStorageTests.Messages(Length, "m"));
        for (int skip = 0; skip < Length; skip += 200) await AssertSliceAsync(reader, skip, 200);

        await writer.AppendMessagesAsync("s", [.. Enumerable.Range(Length + 1, 150).Select(i => FileSessionStorageTests.Message(Microsoft.Extensions.AI.ChatRole.User, "m" + i))]);

        await AssertSliceAsync(reader, 990, 100, expectedTotal: Length + 150);
        await AssertSliceAsync(reader, 1100, 100, expectedTotal: Length + 150);
        await AssertSliceAsync(reader, 300, 5, expectedTotal: Length + 150);
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task GetMessagesAsync_AfterReplaceOrTruncateByAnotherInstance_ReadsTheNewJournal(bool native)
    {
        var reader = NewStore(native);
        var writer = NewStore(native);
        await writer.CreateAsync(FileSessionStorageTests.Session("s"), FileSessionStorageTests.Messages(Length, "m"));
        for (int skip = 0; skip < Length; skip += 250) await AssertSliceAsync(reader, skip, 250);

        // Replaced by longer messages: every old offset now points into the middle of some other record.
        var longer = Enumerable.Range(1, 400).Select(i => FileSessionStorageTests.Message(Microsoft.Extensions.AI.ChatRole.User, "r" + i + new string('x', i % 37))).ToArray();
        var info = await writer.ReplaceMessagesAsync("s", longer, (await writer.GetAsync("s"))!.Version);
        var page = await reader.GetMessagesAsync("s", MessageRange.Slice(300, 20));
        Assert.That(page.Select(m => m.Text), Is.EqualTo(longer.Skip(300).Take(20).Select(m => m.Text)));
        Assert.That(page.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(301, 20).Select(i => (long)i)));

        // Truncated to the last 10 (the store keeps them, renumbered from 1).
        await writer.ReplaceMessagesAsync("s", [.. (await writer.GetMessagesAsync("s", MessageRange.Last(10)))], info.Version);
        Assert.That((await reader.GetMessagesAsync("s", MessageRange.Slice(300, 20))), Is.Empty);
        Assert.That((await reader.GetMessagesAsync("s", MessageRange.Slice(5, 20))).Select(m => m.Text), Is.EqualTo(longer.Skip(395).Select(m => m.Text)));
    }

    [Test]
    public async Task GetMessagesAsync_DamagedRecordInsideTheRange_NamesItAndOutsideTheRange_ReadsNormally()
    {
        var store = NewStore(native: true);
        await store.CreateAsync(FileSessionStorageTests.Session("s"), FileSessionStorageTests.Messages(Length, "m"));
        for (int skip = 0; skip < Length; skip += 100) await AssertSliceAsync(store, skip, 100);

        // Sequence 129 sits on an index point (position 128): the point fails its check, the read falls back to a scan.
        FlipTextByte(store.JournalPath("s"), sequence: 129);
        FlipTextByte(store.JournalPath("s"), sequence: 700);

        await AssertSliceAsync(store, 130, 50);
        await AssertSliceAsync(store, 0, 128);
        await AssertSliceAsync(store, 700, 100);
        await AssertSliceAsync(store, 129, 1);
        var inside = await Assert.ThrowsAsync<SessionFormatException>(async () => await store.GetMessagesAsync("s", MessageRange.Slice(120, 20)));
        Assert.That((inside!.SessionId, inside.Sequence), Is.EqualTo(("s", (long?)129)));
        var second = await Assert.ThrowsAsync<SessionFormatException>(async () => await NewStore(native: true).GetMessagesAsync("s", MessageRange.Slice(650, 100)));
        Assert.That(second!.Sequence, Is.EqualTo(700));
    }

    private static async Task AssertSliceAsync(FileSessionStorage store, int skip, int take, int expectedTotal = Length)
    {
        var page = await store.GetMessagesAsync("s", MessageRange.Slice(skip, take));
        int from = Math.Min(skip, expectedTotal), count = Math.Min(take, expectedTotal - from);
        Assert.That(page.Select(m => m.Sequence), Is.EqualTo(Enumerable.Range(from + 1, count).Select(i => (long)i)), $"Slice({skip}, {take})");
        Assert.That(page.Select(m => m.Text), Is.EqualTo(Enumerable.Range(from + 1, count).Select(i => "m" + i)), $"Slice({skip}, {take}) texts");
    }

    /// <summary>Changes one letter of a record's text in place (its checksum no longer matches).</summary>
    private static void FlipTextByte(string journal, int sequence)
    {
        var bytes = File.ReadAllBytes(journal);
        int line = 0, start = 0;
        for (int i = 0; i < bytes.Length && line < sequence; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                line++;
                start = i + 1;
            }
        }

        int text = bytes.AsSpan(start).IndexOf(Encoding.UTF8.GetBytes("\"m" + sequence + "\""));
        Assert.That(text, Is.GreaterThan(0), $"record {sequence} found");
        bytes[start + text + 1] = (byte)'M';
        File.WriteAllBytes(journal, bytes);
    }

    private FileSessionStorage NewStore(bool native)
    {
        var store = new FileSessionStorage(new FileStorageOptions { Directory = _root, NativeFastPath = native }, new FileSessionStorageTests.FixedClock(T0), NullLogger.Instance);
        _stores.Add(store);
        return store;
    }
}
