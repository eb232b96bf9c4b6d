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
            var reader = new Utf8JsonReader(bytes);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            int version = 0;
            long snapshot = 0;
            Dictionary<string, Record>? records = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("schemaVersion"u8)) { reader.Read(); version = reader.GetInt32(); }
                else if (reader.ValueTextEquals("snapshot"u8)) { reader.Read(); snapshot = reader.GetInt64(); }
                else if (reader.ValueTextEquals("sessions"u8))
                {
                    if (version != SchemaVersion) return null;
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray) return null;
                    records = new Dictionary<string, Record>(StringComparer.Ordinal);
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        string? id = null;
                        long metaLength = -1, metaWrite = 0, journalLength = -1, journalWrite = 0;
                        int docStart = -1, docEnd = -1;
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            if (reader.ValueTextEquals("id"u8)) { reader.Read(); id = reader.GetString(); }
                            else if (reader.ValueTextEquals("metaLength"u8)) { reader.Read(); metaLength = reader.GetInt64(); }
                            else if (reader.ValueTextEquals("metaWrite"u8)) { reader.Read(); metaWrite = reader.GetInt64(); }
                            else if (reader.ValueTextEquals("journalLength"u8)) { reader.Read(); journalLength = reader.GetInt64(); }
                            else if (reader.ValueTextEquals("journalWrite"u8)) { reader.Read(); journalWrite = reader.GetInt64(); }
                            else if (reader.ValueTextEquals("doc"u8))
                            {
                                reader.Read();
                                if (reader.TokenType != JsonTokenType.StartObject) return null;
                                docStart = (int)reader.TokenStartIndex;
                                reader.Skip();
                                docEnd = (int)reader.BytesConsumed;
                            }
                            else { reader.Read(); reader.Skip(); }
                        }

                        if (reader.TokenType != JsonTokenType.EndObject || id is null || docStart < 0 || metaLength < 0 || journalLength < 0) return null;
                        records[id] = new Record(new FileStat(metaLength, metaWrite), new FileStat(journalLength, journalWrite), bytes.AsMemory(docStart, docEnd - docStart));
                    }

                    if (reader.TokenType != JsonTokenType.EndArray) return null;
                }
                else { reader.Read(); reader.Skip(); }
            }

            if (reader.TokenType != JsonTokenType.EndObject || version != SchemaVersion || records is null || snapshot <= 0) return null;
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

    /// <summary>Writes a catalog into <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, long snapshotTicks, IEnumerable<(string Id, FileStat Meta, FileStat Journal, ReadOnlyMemory<byte> Document)> records)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        writer.WriteStartObject();
        writer.WriteNumber("schemaVersion"u8, SchemaVersion);
        writer.WriteString("type"u8, "sessions.catalog"u8);
        writer.WriteNumber("snapshot"u8, snapshotTicks);
        writer.WriteStartArray("sessions"u8);
        foreach (var (id, meta, journal, document) in records)
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

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static bool IsSettled(long fileTicks, long snapshotTicks)
    {
        // Whole-second times suggest a coarse file system (FAT: 2 s); otherwise ticks are at most a scheduler tick.
        long margin = fileTicks % TimeSpan.TicksPerSecond == 0 ? 3 * TimeSpan.TicksPerSecond : 200 * TimeSpan.TicksPerMillisecond;
        return fileTicks < snapshotTicks - margin;
    }

    /// <summary>A parsed catalog.</summary>
    public sealed record Snapshot(long SnapshotTicks, Dictionary<string, Record> Records);

    /// <summary>One session's record: the files' state it was taken at and the listed session as a metadata document.</summary>
    public sealed record Record(FileStat Meta, FileStat Journal, ReadOnlyMemory<byte> Document);
}

/// <summary>A file's length and last-write time (UTC ticks) as a directory listing saw them.</summary>
/// <remarks>A class, not a struct: the dictionaries keyed by it stay on shared, precompiled generic code, so a cold process lists sooner.</remarks>
internal sealed record FileStat(long Length, long LastWriteTicks);
