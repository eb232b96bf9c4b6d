using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Sessions.Sdk;

/// <summary>The store-level listing cache (<c>.catalog/sessions.bin</c>): every session's listed <see cref="SessionInfo"/>, with the length and last-write time its metadata document and journal had, and the root directory's last-write time.</summary>
/// <remarks>
/// <para>
/// Only a cache, never the truth: a missing, damaged or unknown-version catalog is ignored and rebuilt, and nothing in it is used
/// unless the files still say it holds. Two ways to use it:
/// </para>
/// <list type="bullet">
/// <item><description>
/// Without reading the directory, when the root directory's last-write time is exactly the one recorded and older than the
/// snapshot time by more than the file system's timestamp granularity. Every change to the set of sessions or to a metadata
/// document renames, creates or deletes a file in the root (metadata documents and replaced journals are written to
/// <c>.tmp/</c> and renamed into place; the catalog itself lives in its own directory so writing it changes nothing in the
/// root), so an unchanged root means the recorded sessions and metadata documents are still exactly those on disk. Only the
/// journals, appended in place, are then checked one by one: a journal only ever grows by whole appends (or is cut back to its
/// last whole line after a torn append), so the same length and last-write time mean the same messages.
/// </description></item>
/// <item><description>
/// Per session while reading the directory: a record is trusted while both files have the recorded length and last-write time,
/// and the metadata document's time is older than the snapshot by more than the timestamp granularity (a document replaced
/// within the same tick as it was read could otherwise look unchanged).
/// </description></item>
/// </list>
/// <para>
/// The snapshot time is the birth time of the catalog's temporary file, created before anything it records was read, so it
/// comes from the same clock as the files' times. The root's time is read before that. The file is replaced atomically
/// (temporary file, rename). Binary, little-endian, versioned: a header (<c>SSCT</c>, format version, snapshot ticks, root
/// ticks, record count), the records, and the magic again as a trailer.
/// </para>
/// </remarks>
internal static class FileSessionCatalog
{
    /// <summary>The directory under the root holding the catalog.</summary>
    public const string DirectoryName = ".catalog";

    /// <summary>The catalog's file name in <see cref="DirectoryName"/>.</summary>
    public const string FileName = "sessions.bin";

    /// <summary>The catalog of earlier versions (JSON lines in the root), deleted when found.</summary>
    public const string LegacyFileName = ".catalog.json";

    /// <summary>The format version this library reads and writes.</summary>
    public const int FormatVersion = 3;

    private const uint Magic = 0x54435353; // "SSCT" little-endian
    private const int HeaderLength = 4 + 4 + 8 + 8 + 4;
    private const int MaxString = 16 * 1024 * 1024;

    /// <summary>Reads a catalog; <see langword="null"/> when it is missing, damaged or of another version.</summary>
    public static Snapshot? TryRead(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return TryParse(bytes);
    }

    /// <summary>Parses a catalog's bytes; <see langword="null"/> when they are damaged or of another version.</summary>
    public static Snapshot? TryParse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderLength + 4) return null;
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic || BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]) != Magic) return null;
        if (BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]) != FormatVersion) return null;
        long snapshot = BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]);
        long root = BinaryPrimitives.ReadInt64LittleEndian(bytes[16..]);
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes[24..]);

        // Every record takes at least 100 bytes: a count the file cannot hold is damage, not a reason to allocate.
        if (snapshot <= 0 || count < 0 || count > bytes.Length / 100) return null;
        var reader = new Reader(bytes[..^4], HeaderLength);
        var records = new List<Record>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                if (ReadRecord(ref reader) is not { } record) return null;
                records.Add(record);
            }
        }
        catch (ArgumentException)
        {
            // Out of range, a bad offset or undecodable text: damage.
            return null;
        }

        return reader.AtEnd ? new Snapshot(snapshot, root, records) : null;
    }

    private static Record? ReadRecord(ref Reader reader)
    {
        string? id = reader.ReadString();
        if (id is null || !SessionIds.IsValid(id)) return null;
        var meta = new FileStat(reader.ReadInt64(), reader.ReadInt64());
        var journal = new FileStat(reader.ReadInt64(), reader.ReadInt64());
        string title = reader.ReadString() ?? string.Empty;
        string kind = reader.ReadString() ?? "chat";
        int tagCount = reader.ReadCount();
        string[] tags = tagCount == 0 ? [] : new string[tagCount];
        for (int t = 0; t < tagCount; t++) tags[t] = reader.ReadString() ?? string.Empty;
        int metadataCount = reader.ReadCount();
        IReadOnlyDictionary<string, string> metadata = SessionInfo.EmptyMetadata;
        if (metadataCount > 0)
        {
            var pairs = new Dictionary<string, string>(metadataCount, StringComparer.Ordinal);
            for (int m = 0; m < metadataCount; m++) pairs[reader.ReadString() ?? string.Empty] = reader.ReadString() ?? string.Empty;
            metadata = pairs.AsReadOnly();
        }

        string? prompt = reader.ReadString();
        string? provider = reader.ReadString();
        string? model = reader.ReadString();
        string? parent = reader.ReadString();
        long? branchedAt = reader.ReadByte() != 0 ? reader.ReadInt64() : reader.Skip(8);
        var created = reader.ReadTime();
        var updated = reader.ReadTime();
        long version = reader.ReadInt64();
        long messages = reader.ReadInt64();
        long size = reader.ReadInt64();
        var usage = new SessionUsage
        {
            InputTokens = reader.ReadInt64(),
            OutputTokens = reader.ReadInt64(),
            TotalTokens = reader.ReadInt64(),
            Cost = new decimal([reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32()]),
            Requests = reader.ReadInt32(),
            UnpricedRequests = reader.ReadInt32(),
        };
        if (meta.Length < 0 || journal.Length < 0 || messages < 0 || size < 0) return null;
        var info = new SessionInfo
        {
            Id = id,
            Title = title,
            Kind = string.Equals(kind, "chat", StringComparison.Ordinal) ? SessionKind.Chat : new SessionKind(kind),
            Tags = tags,
            Metadata = metadata,
            SystemPrompt = prompt,
            ProviderName = provider,
            ModelId = model,
            ParentSessionId = parent,
            BranchedAtSequence = branchedAt,
            CreatedAt = created,
            UpdatedAt = updated,
            Version = version,
            MessageCount = messages,
            SizeBytes = size,
            Usage = usage.InputTokens == 0 && usage.OutputTokens == 0 && usage.TotalTokens == 0 && usage.Cost == 0 && usage.Requests == 0 && usage.UnpricedRequests == 0 ? SessionUsage.Empty : usage,
        };
        return new Record(meta, journal, info);
    }

    /// <summary>Whether a record still describes the session, read with the directory: same lengths and times, the metadata document older than the snapshot by more than a timestamp tick.</summary>
    public static bool IsCurrent(Snapshot catalog, Record record, FileStat meta, FileStat journal) =>
        record.Meta == meta && record.Journal == journal && IsSettled(meta.LastWriteTicks, catalog.SnapshotTicks);

    /// <summary>Whether the catalog may be used without reading the directory, given the root's last-write time now.</summary>
    public static bool CoversDirectory(Snapshot catalog, long rootWriteTicks) =>
        catalog.RootWriteTicks == rootWriteTicks && IsSettled(rootWriteTicks, catalog.SnapshotTicks);

    /// <summary>Writes a catalog into <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, long snapshotTicks, long rootWriteTicks, List<Record> records)
    {
        var writer = new Writer(output);
        writer.WriteUInt32(Magic);
        writer.WriteInt32(FormatVersion);
        writer.WriteInt64(snapshotTicks);
        writer.WriteInt64(rootWriteTicks);
        writer.WriteInt32(records.Count);
        Span<int> cost = stackalloc int[4];
        foreach (var (meta, journal, info) in records)
        {
            writer.WriteString(info.Id);
            writer.WriteInt64(meta.Length);
            writer.WriteInt64(meta.LastWriteTicks);
            writer.WriteInt64(journal.Length);
            writer.WriteInt64(journal.LastWriteTicks);
            writer.WriteString(info.Title);
            writer.WriteString(info.Kind.Value);
            writer.WriteInt32(info.Tags.Count);
            foreach (var tag in info.Tags) writer.WriteString(tag);
            writer.WriteInt32(info.Metadata.Count);
            foreach (var (key, value) in info.Metadata)
            {
                writer.WriteString(key);
                writer.WriteString(value);
            }

            writer.WriteString(info.SystemPrompt);
            writer.WriteString(info.ProviderName);
            writer.WriteString(info.ModelId);
            writer.WriteString(info.ParentSessionId);
            writer.WriteByte(info.BranchedAtSequence is null ? (byte)0 : (byte)1);
            writer.WriteInt64(info.BranchedAtSequence ?? 0);
            writer.WriteTime(info.CreatedAt);
            writer.WriteTime(info.UpdatedAt);
            writer.WriteInt64(info.Version);
            writer.WriteInt64(info.MessageCount);
            writer.WriteInt64(info.SizeBytes);
            var usage = info.Usage;
            writer.WriteInt64(usage.InputTokens);
            writer.WriteInt64(usage.OutputTokens);
            writer.WriteInt64(usage.TotalTokens);
            decimal.GetBits(usage.Cost, cost);
            foreach (int part in cost) writer.WriteInt32(part);
            writer.WriteInt32(usage.Requests);
            writer.WriteInt32(usage.UnpricedRequests);
        }

        writer.WriteUInt32(Magic);
    }

    private static bool IsSettled(long fileTicks, long snapshotTicks)
    {
        // Whole-second times suggest a coarse file system (FAT: 2 s); otherwise ticks are at most a scheduler tick.
        long margin = fileTicks % TimeSpan.TicksPerSecond == 0 ? 3 * TimeSpan.TicksPerSecond : 200 * TimeSpan.TicksPerMillisecond;
        return fileTicks < snapshotTicks - margin;
    }

    /// <summary>A parsed catalog: its snapshot time, the root's last-write time it was taken with, and the records in file order.</summary>
    public sealed record Snapshot(long SnapshotTicks, long RootWriteTicks, List<Record> Records);

    /// <summary>One session's record: the files' state it was taken at and the listed session.</summary>
    /// <remarks>A class, not a tuple: lists of them stay on shared, precompiled generic code.</remarks>
    public sealed record Record(FileStat Meta, FileStat Journal, SessionInfo Info);

    /// <summary>Reads the catalog's primitives; any read past the end throws <see cref="ArgumentOutOfRangeException"/>.</summary>
    private ref struct Reader(ReadOnlySpan<byte> bytes, int position)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _position = position;

        public readonly bool AtEnd => _position == _bytes.Length;

        public byte ReadByte()
        {
            byte value = _bytes.Slice(_position, 1)[0];
            _position++;
            return value;
        }

        public int ReadInt32()
        {
            int value = BinaryPrimitives.ReadInt32LittleEndian(_bytes.Slice(_position, 4));
            _position += 4;
            return value;
        }

        public long ReadInt64()
        {
            long value = BinaryPrimitives.ReadInt64LittleEndian(_bytes.Slice(_position, 8));
            _position += 8;
            return value;
        }

        public long? Skip(int count)
        {
            _ = _bytes.Slice(_position, count);
            _position += count;
            return null;
        }

        public int ReadCount()
        {
            int count = ReadInt32();
            if (count < 0 || count > _bytes.Length - _position) throw new ArgumentOutOfRangeException(nameof(count));
            return count;
        }

        public string? ReadString()
        {
            int length = ReadInt32();
            if (length == -1) return null;
            if (length < 0 || length > MaxString) throw new ArgumentOutOfRangeException(nameof(length));
            string value = length == 0 ? string.Empty : Utf8.GetString(_bytes.Slice(_position, length));
            _position += length;
            return value;
        }

        public DateTimeOffset ReadTime()
        {
            long ticks = ReadInt64();
            int offsetMinutes = ReadInt32();
            return new DateTimeOffset(ticks, TimeSpan.FromMinutes(offsetMinutes));
        }
    }

    /// <summary>Writes the catalog's primitives.</summary>
    private readonly ref struct Writer(IBufferWriter<byte> output)
    {
        public void WriteByte(byte value)
        {
            output.GetSpan(1)[0] = value;
            output.Advance(1);
        }

        public void WriteUInt32(uint value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(output.GetSpan(4), value);
            output.Advance(4);
        }

        public void WriteInt32(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), value);
            output.Advance(4);
        }

        public void WriteInt64(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), value);
            output.Advance(8);
        }

        public void WriteString(string? value)
        {
            if (value is null)
            {
                WriteInt32(-1);
                return;
            }

            int length = Utf8.GetByteCount(value);
            WriteInt32(length);
            int written = Utf8.GetBytes(value, output.GetSpan(length));
            output.Advance(written);
        }

        public void WriteTime(DateTimeOffset value)
        {
            WriteInt64(value.Ticks);
            WriteInt32((int)value.Offset.TotalMinutes);
        }
    }

    /// <summary>Strict UTF-8: text that does not decode is damage, not replacement characters.</summary>
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}

/// <summary>A file's length and last-write time (UTC ticks) as a directory listing saw them.</summary>
/// <remarks>A class, not a struct: the dictionaries keyed by it stay on shared, precompiled generic code, so a cold process lists sooner.</remarks>
internal sealed record FileStat(long Length, long LastWriteTicks);
