using System.Buffers;
using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>The store-level listing cache (<c>.catalog.json</c>): every session's listed <see cref="SessionInfo"/> with the length and last-write time its metadata document and journal had.</summary>
/// <remarks>
/// Only a cache: listing enumerates the directory anyway and trusts a record only while both files still have the length and
/// last-write time it recorded, and only when those times are older than the catalog's snapshot time by more than the file
/// system's timestamp granularity (a file rewritten within the same timestamp tick as it was read could otherwise look
/// unchanged). The snapshot time is the birth time of the catalog's temporary file, created before the directory was
/// enumerated, so it comes from the same clock as the files' times. Replaced atomically (temporary file, rename); a missing,
/// damaged or unknown-version catalog is ignored and rebuilt.
/// </remarks>
internal static class FileSessionCatalog
{
    /// <summary>The file name under the root.</summary>
    public const string FileName = ".catalog.json";

    private const int SchemaVersion = 1;

    /// <summary>Reads a catalog; <see langword="null"/> when it is missing, damaged or of another version.</summary>
    /// <remarks>
    /// One record per line, the listed session's document last: records are found by their newlines and only each line's few
    /// leading fields are parsed here; a document is parsed (and validated) only when its record is used.
    /// </remarks>
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

        try
        {
            int newline = bytes.AsSpan().IndexOf((byte)'\n');
            if (newline < 0) return null;
            var header = new Utf8JsonReader(bytes.AsSpan(0, newline));
            if (!header.Read() || header.TokenType != JsonTokenType.StartObject) return null;
            int version = 0;
            long snapshot = 0;
            while (header.Read() && header.TokenType == JsonTokenType.PropertyName)
            {
                if (header.ValueTextEquals("schemaVersion"u8)) { header.Read(); version = header.GetInt32(); }
                else if (header.ValueTextEquals("snapshot"u8)) { header.Read(); snapshot = header.GetInt64(); }
                else { header.Read(); header.Skip(); }
            }

            if (header.TokenType != JsonTokenType.EndObject || version != SchemaVersion || snapshot <= 0) return null;
            var records = new Dictionary<string, Record>(StringComparer.Ordinal);
            int start = newline + 1;
            while (start < bytes.Length)
            {
                int length = bytes.AsSpan(start).IndexOf((byte)'\n');
                if (length < 0) return null;
                if (!TryReadRecord(bytes, start, length, records)) return null;
                start += length + 1;
            }

            return new Snapshot(snapshot, records);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool TryReadRecord(byte[] bytes, int start, int length, Dictionary<string, Record> records)
    {
        // {"id":…,"metaLength":…,"metaWrite":…,"journalLength":…,"journalWrite":…,"doc":{…}}
        var line = bytes.AsSpan(start, length);
        if (length < 2 || line[^1] != (byte)'}') return false;
        var reader = new Utf8JsonReader(line, isFinalBlock: false, state: default);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
        string? id = null;
        long metaLength = -1, metaWrite = 0, journalLength = -1, journalWrite = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("doc"u8))
            {
                if (id is null || metaLength < 0 || journalLength < 0) return false;
                int afterName = (int)reader.BytesConsumed;
                int docStart = line[afterName..].IndexOf((byte)'{');
                if (docStart < 0 || line[afterName..(afterName + docStart)].IndexOfAnyExcept(": \t"u8) >= 0) return false;
                docStart += afterName;
                var document = bytes.AsMemory(start + docStart, length - docStart - 1);
                if (document.Length < 2 || document.Span[^1] != (byte)'}') return false;
                records[id] = new Record(new FileStat(metaLength, metaWrite), new FileStat(journalLength, journalWrite), document);
                return true;
            }

            if (reader.ValueTextEquals("id"u8)) { reader.Read(); id = reader.GetString(); }
            else if (reader.ValueTextEquals("metaLength"u8)) { reader.Read(); metaLength = reader.GetInt64(); }
            else if (reader.ValueTextEquals("metaWrite"u8)) { reader.Read(); metaWrite = reader.GetInt64(); }
            else if (reader.ValueTextEquals("journalLength"u8)) { reader.Read(); journalLength = reader.GetInt64(); }
            else if (reader.ValueTextEquals("journalWrite"u8)) { reader.Read(); journalWrite = reader.GetInt64(); }
            else return false;
        }

        return false;
    }

    /// <summary>Whether a record still describes the session: same lengths and times, older than the snapshot by more than a timestamp tick.</summary>
    public static bool IsCurrent(Snapshot catalog, Record record, FileStat meta, FileStat journal) =>
        record.Meta == meta && record.Journal == journal && IsSettled(meta.LastWriteTicks, catalog.SnapshotTicks) && IsSettled(journal.LastWriteTicks, catalog.SnapshotTicks);

    /// <summary>Parses a trusted record into the listed session.</summary>
    public static SessionInfo ToInfo(string sessionId, Record record)
    {
        var document = FileSessionDocument.Parse(record.Document.Span, sessionId);
        var summary = document.Summary!;
        return document.Info with
        {
            MessageCount = summary.Count,
            Usage = summary.Usage,
            SizeBytes = summary.Length,
            UpdatedAt = summary.UpdatedAt,
            Version = summary.Version,
        };
    }

    /// <summary>Serializes a listed session as a record document.</summary>
    public static byte[] ToDocument(SessionInfo session)
    {
        var document = new FileSessionDocument
        {
            Info = session,
            Summary = new FileJournalSummary("-", session.Version, session.SizeBytes, 0, session.MessageCount, session.Usage, session.UpdatedAt),
        };
        return document.Serialize(indented: false);
    }

    /// <summary>Writes a catalog into <paramref name="output"/>: a header line, then one line per session.</summary>
    public static void Write(IBufferWriter<byte> output, long snapshotTicks, List<Line> records)
    {
        var options = new JsonWriterOptions { SkipValidation = true };
        using (var writer = new Utf8JsonWriter(output, options))
        {
            writer.WriteStartObject();
            writer.WriteNumber("schemaVersion"u8, SchemaVersion);
            writer.WriteString("type"u8, "sessions.catalog"u8);
            writer.WriteNumber("snapshot"u8, snapshotTicks);
            writer.WriteEndObject();
        }

        output.Write("\n"u8);
        foreach (var (id, meta, journal, document) in records)
        {
            using (var writer = new Utf8JsonWriter(output, options))
            {
                writer.WriteStartObject();
                writer.WriteString("id"u8, id);
                writer.WriteNumber("metaLength"u8, meta.Length);
                writer.WriteNumber("metaWrite"u8, meta.LastWriteTicks);
                writer.WriteNumber("journalLength"u8, journal.Length);
                writer.WriteNumber("journalWrite"u8, journal.LastWriteTicks);
                writer.WritePropertyName("doc"u8);
                writer.WriteRawValue(document.Span.TrimEnd((byte)'\n'), skipInputValidation: true);
                writer.WriteEndObject();
            }

            output.Write("\n"u8);
        }
    }

    private static bool IsSettled(long fileTicks, long snapshotTicks)
    {
        // Whole-second times suggest a coarse file system (FAT: 2 s); otherwise ticks are at most a scheduler tick.
        long margin = fileTicks % TimeSpan.TicksPerSecond == 0 ? 3 * TimeSpan.TicksPerSecond : 200 * TimeSpan.TicksPerMillisecond;
        return fileTicks < snapshotTicks - margin;
    }

    /// <summary>One session's line of a catalog being written.</summary>
    /// <remarks>A class, not a tuple: the list of them stays on shared, precompiled generic code.</remarks>
    public sealed record Line(string Id, FileStat Meta, FileStat Journal, ReadOnlyMemory<byte> Document);

    /// <summary>A parsed catalog.</summary>
    public sealed record Snapshot(long SnapshotTicks, Dictionary<string, Record> Records);

    /// <summary>One session's record: the files' state it was taken at and the listed session as a metadata document.</summary>
    public sealed record Record(FileStat Meta, FileStat Journal, ReadOnlyMemory<byte> Document);
}

/// <summary>A file's length and last-write time (UTC ticks) as a directory listing saw them.</summary>
/// <remarks>A class, not a struct: the dictionaries keyed by it stay on shared, precompiled generic code, so a cold process lists sooner.</remarks>
internal sealed record FileStat(long Length, long LastWriteTicks);
