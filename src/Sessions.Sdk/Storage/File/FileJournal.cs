using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Sessions.Sdk;

/// <summary>Reads and writes a session's append-only journal (<c>{id}.jsonl</c>).</summary>
/// <remarks>
/// Line 1 is a header naming the schema version, the session, the journal's generation (new for every replacement), the
/// session version, the number of messages written with the header (schema 2) and the usage carried over from replaced
/// messages. Every further line is one message as <see cref="SessionJson.SerializeMessage(SessionMessage)"/> writes it,
/// followed by <c>\n</c>; from schema 2 the object ends with a checksum, <c>,"crc":"xxxxxxxx"}</c>: the CRC-32C of the line's
/// bytes before <c>,"crc"</c>, verified on every read, so a flipped bit is reported, never returned as altered data.
/// Schema 1 journals (no checksums) stay readable, and appends to them stay schema 1. A trailing fragment without
/// <c>\n</c> is a torn append: readers ignore it and the next writer truncates it.
/// </remarks>
internal static class FileJournal
{
    /// <summary>The schema version of the journal header this library writes.</summary>
    public const int CurrentSchemaVersion = 2;

    /// <summary>The first schema version whose message lines carry checksums.</summary>
    public const int ChecksumSchemaVersion = 2;

    // ,"crc":"xxxxxxxx"} replaces the closing brace of a record.
    internal const int ChecksumSuffixLength = 18;

    private const int BlockSize = 64 * 1024;
    private const int MaxHeaderLength = 64 * 1024;

    /// <summary>Handles one complete line (without its <c>\n</c>) found at <paramref name="offset"/>.</summary>
    public delegate void LineHandler(ReadOnlySpan<byte> line, long offset);

    /// <summary>Handles one complete line (without its <c>\n</c>) found at <paramref name="offset"/>.</summary>
    /// <returns>Whether to go on to the next line.</returns>
    public delegate bool LineVisitor(ReadOnlySpan<byte> line, long offset);

    public static string NewGeneration() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Writes a header line into <paramref name="output"/>.</summary>
    public static void WriteHeader(IBufferWriter<byte> output, FileJournalHeader header)
    {
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteNumber("schemaVersion"u8, header.SchemaVersion);
            writer.WriteString("type"u8, "sessions.journal"u8);
            writer.WriteString("sessionId"u8, header.SessionId);
            writer.WriteString("generation"u8, header.Generation);
            writer.WriteNumber("version"u8, header.Version);
            if (header.SchemaVersion >= ChecksumSchemaVersion) writer.WriteNumber("count"u8, header.InitialCount);
            writer.WriteString("createdAt"u8, header.CreatedAt);
            writer.WritePropertyName("baseUsage"u8);
            SessionJson.WriteUsage(writer, header.BaseUsage);
            writer.WriteEndObject();
        }

        output.Write("\n"u8);
    }

    /// <summary>Writes one message line (the shared message JSON, its checksum when <paramref name="checksum"/>, and <c>\n</c>) into <paramref name="output"/>.</summary>
    public static void WriteMessage(ArrayBufferWriter<byte> output, SessionMessage message, bool checksum = true)
    {
        int start = output.WrittenCount;
        SessionJson.SerializeMessage(message, output);
        if (checksum) Seal(output, start);
        output.Write("\n"u8);
    }

    /// <summary>Replaces the closing brace of the record written since <paramref name="start"/> with its checksum property.</summary>
    public static void Seal(ArrayBufferWriter<byte> output, int start)
    {
        int end = output.WrittenCount - 1; // the record's closing brace
        uint crc = Crc32C(output.WrittenSpan[start..end]);
        output.ResetWrittenCount();
        output.Advance(end); // keep everything before the brace (ResetWrittenCount leaves the bytes in place)
        var suffix = output.GetSpan(ChecksumSuffixLength);
        ",\"crc\":\""u8.CopyTo(suffix);
        System.Buffers.Text.Utf8Formatter.TryFormat(crc, suffix[8..], out _, new System.Buffers.StandardFormat('x', 8));
        "\"}"u8.CopyTo(suffix[16..]);
        output.Advance(ChecksumSuffixLength);
    }

    /// <summary>CRC-32C (Castagnoli) of <paramref name="data"/>: the one rule every store uses (<see cref="RecordChecksum"/>).</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data) => RecordChecksum.Crc32C(data);

    /// <summary>Checks a message line's checksum.</summary>
    /// <param name="line">The line, without its newline.</param>
    /// <param name="required">Whether the journal's schema requires checksums.</param>
    /// <returns>Null when the line is intact (or has no checksum in a schema 1 journal); otherwise what is wrong.</returns>
    public static string? CheckRecord(ReadOnlySpan<byte> line, bool required)
    {
        if (line.Length > ChecksumSuffixLength && line[^ChecksumSuffixLength..].StartsWith(",\"crc\":\""u8) && line.EndsWith("\"}"u8))
        {
            var hex = line[^10..^2];
            if (!System.Buffers.Text.Utf8Parser.TryParse(hex, out uint stored, out int consumed, 'x') || consumed != 8) return "its checksum is not 8 hex digits";
            uint actual = Crc32C(line[..^ChecksumSuffixLength]);
            return actual == stored ? null : $"its checksum does not match (stored {stored:x8}, computed {actual:x8})";
        }

        return required ? "it has no checksum" : null;
    }

    /// <summary>Serializes message lines into a buffer kept from one append to the next, with one JSON writer, so an append
    /// allocates neither (a new buffer would also grow once or twice per message: the writer asks for room for the worst case).</summary>
    /// <remarks>Not thread-safe: the owner uses it under the session's lock.</remarks>
    internal sealed class LineWriter : IDisposable
    {
        private const int KeepAtMost = 256 * 1024;
        private static readonly JsonWriterOptions Options = new() { SkipValidation = true };
        private readonly ArrayBufferWriter<byte> _buffer;
        private readonly Utf8JsonWriter _writer;

        /// <param name="capacity">The buffer's initial size in bytes.</param>
        public LineWriter(int capacity = 4096)
        {
            _buffer = new ArrayBufferWriter<byte>(capacity);
            _writer = new Utf8JsonWriter(_buffer, Options);
        }

        /// <summary>Empties the buffer for a new append.</summary>
        /// <returns>The buffer the lines are written into.</returns>
        public ArrayBufferWriter<byte> Start()
        {
            _buffer.ResetWrittenCount();
            _writer.Reset(_buffer);
            return _buffer;
        }

        /// <summary>Writes one message line exactly as <see cref="WriteMessage(ArrayBufferWriter{byte}, SessionMessage, bool)"/> does.</summary>
        public void Write(SessionMessage message, bool checksum = true)
        {
            int start = _buffer.WrittenCount;
            SessionJson.WriteMessage(_writer, message);
            _writer.Flush();
            _writer.Reset(_buffer);
            if (checksum) Seal(_buffer, start);
            _buffer.Write("\n"u8);
        }

        /// <summary>Drops what a failed <see cref="Write"/> left, so the writer can be reused.</summary>
        public void Abandon()
        {
            _writer.Reset(_buffer);
            _buffer.ResetWrittenCount();
        }

        /// <summary>Ends an append.</summary>
        /// <returns>Whether the writer is worth keeping: not after an append that grew the buffer past a few hundred KiB.</returns>
        public bool Finish() => _buffer.Capacity <= KeepAtMost;

        public void Dispose() => _writer.Dispose();
    }

    /// <summary>Reads the header line at the start of a journal.</summary>
    /// <exception cref="SessionFormatException">The header is missing, malformed or of a newer schema version.</exception>
    public static FileJournalHeader ReadHeader(SafeFileHandle handle, string sessionId)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1024);
        try
        {
            int filled = 0;
            while (true)
            {
                int n = RandomAccess.Read(handle, buffer.AsSpan(filled), filled);
                if (n <= 0) throw FileSessionDocument.Invalid("the journal has no complete header line", sessionId);
                int newline = buffer.AsSpan(filled, n).IndexOf((byte)'\n');
                filled += n;
                if (newline >= 0)
                {
                    int length = filled - n + newline;
                    return ParseHeader(buffer.AsSpan(0, length), sessionId) with { Length = length + 1 };
                }

                if (filled >= MaxHeaderLength) throw FileSessionDocument.Invalid("the journal header is too long", sessionId);
                if (filled == buffer.Length)
                {
                    byte[] bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Parses a header line.</summary>
    /// <exception cref="SessionFormatException">The header is malformed or of a newer schema version.</exception>
    public static FileJournalHeader ParseHeader(ReadOnlySpan<byte> line, string sessionId)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw FileSessionDocument.Invalid("the journal header is not a JSON object", sessionId);
            int schemaVersion = 0;
            string? id = null, generation = null;
            long version = 0, initialCount = 0;
            DateTimeOffset? created = null;
            SessionUsage baseUsage = SessionUsage.Empty;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("schemaVersion"u8)) { reader.Read(); schemaVersion = reader.GetInt32(); }
                else if (reader.ValueTextEquals("sessionId"u8)) { reader.Read(); id = reader.GetString(); }
                else if (reader.ValueTextEquals("generation"u8)) { reader.Read(); generation = reader.GetString(); }
                else if (reader.ValueTextEquals("version"u8)) { reader.Read(); version = reader.GetInt64(); }
                else if (reader.ValueTextEquals("count"u8)) { reader.Read(); initialCount = reader.GetInt64(); }
                else if (reader.ValueTextEquals("createdAt"u8)) { reader.Read(); created = reader.GetDateTimeOffset(); }
                else if (reader.ValueTextEquals("baseUsage"u8)) { reader.Read(); baseUsage = SessionJson.ReadUsage(ref reader); }
                else { reader.Read(); reader.Skip(); }
            }

            if (reader.TokenType != JsonTokenType.EndObject) throw FileSessionDocument.Invalid("the journal header is truncated", sessionId);
            if (schemaVersion < 1) throw FileSessionDocument.Invalid("the journal header has no schemaVersion", sessionId);
            if (schemaVersion > CurrentSchemaVersion)
            {
                throw FileSessionDocument.Invalid($"the journal has schemaVersion {schemaVersion}, newer than the {CurrentSchemaVersion} this library reads; upgrade Sessions.Sdk", sessionId);
            }

            if (generation is null || created is null) throw FileSessionDocument.Invalid("the journal header lacks 'generation' or 'createdAt'", sessionId);
            if (!string.Equals(id, sessionId, StringComparison.Ordinal)) throw FileSessionDocument.Invalid($"the journal belongs to session '{id}'", sessionId);
            if (initialCount < 0 || version < 0) throw FileSessionDocument.Invalid("the journal header has a negative version or count", sessionId);
            return new FileJournalHeader(sessionId, generation, version, created.Value, baseUsage) { SchemaVersion = schemaVersion, InitialCount = initialCount };
        }
        catch (JsonException ex)
        {
            throw FileSessionDocument.Invalid($"the journal header is malformed ({ex.Message})", sessionId, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw FileSessionDocument.Invalid($"the journal header is malformed ({ex.Message})", sessionId, ex);
        }
        catch (FormatException ex)
        {
            throw FileSessionDocument.Invalid($"the journal header is malformed ({ex.Message})", sessionId, ex);
        }
    }

    /// <summary>Calls <paramref name="handler"/> for every complete line in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    /// <returns>The offset just past the last complete line: where a torn fragment, if any, begins.</returns>
    public static long ForEachLine(SafeFileHandle handle, long from, long to, LineHandler handler) =>
        ForEachLine(handle, from, to, (line, offset) =>
        {
            handler(line, offset);
            return true;
        });

    /// <summary>Calls <paramref name="visitor"/> for every complete line in [<paramref name="from"/>, <paramref name="to"/>) until it returns <see langword="false"/>.</summary>
    /// <param name="handle">The journal.</param>
    /// <param name="from">Where the first line starts.</param>
    /// <param name="to">The end of the range.</param>
    /// <param name="visitor">Called once per line, in order.</param>
    /// <param name="firstRead">How many bytes the first read asks for (a caller that stops early asks for about what it needs).</param>
    /// <returns>The offset just past the last complete line handled: where a torn fragment, if any, begins.</returns>
    public static long ForEachLine(SafeFileHandle handle, long from, long to, LineVisitor visitor, int firstRead = BlockSize * 4)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(Math.Min(to - from, firstRead), 256, BlockSize * 4));
        try
        {
            long position = from;
            long validEnd = from;
            int filled = 0;
            while (position + filled < to)
            {
                if (filled == buffer.Length)
                {
                    byte[] bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                int wanted = (int)Math.Min(buffer.Length - filled, to - (position + filled));
                int n = RandomAccess.Read(handle, buffer.AsSpan(filled, wanted), position + filled);
                if (n <= 0) break;
                int scanFrom = filled;
                filled += n;
                int start = 0;
                int newline = buffer.AsSpan(scanFrom, filled - scanFrom).IndexOf((byte)'\n');
                if (newline >= 0) newline += scanFrom;
                while (newline >= 0)
                {
                    bool more = visitor(buffer.AsSpan(start, newline - start), position + start);
                    start = newline + 1;
                    if (!more) return position + start;
                    validEnd = position + start;
                    newline = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n');
                    if (newline >= 0) newline += start;
                }

                if (start > 0)
                {
                    buffer.AsSpan(start, filled - start).CopyTo(buffer);
                    filled -= start;
                    position += start;
                }
            }

            return validEnd;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Calls <paramref name="handler"/> for the last <paramref name="count"/> complete lines of [<paramref name="from"/>, <paramref name="to"/>), oldest first, reading backwards from the end.</summary>
    /// <param name="handle">The journal.</param>
    /// <param name="from">Where the first line starts (just past the header).</param>
    /// <param name="to">The end of the range; bytes after the last newline are a torn or in-flight append and are ignored.</param>
    /// <param name="count">How many lines are wanted; fewer are handled when the range holds fewer.</param>
    /// <param name="lineEstimate">The expected length of a line: the first read covers about <paramref name="count"/> of them, and grows backwards as needed.</param>
    /// <param name="handler">Called once per line, oldest first.</param>
    public static void ReadLastLines(SafeFileHandle handle, long from, long to, int count, int lineEstimate, LineHandler handler)
    {
        if (count <= 0 || to <= from) return;
        long estimate = ((long)count + 1) * Math.Clamp(lineEstimate, 64, BlockSize) + 256;
        int chunk = (int)Math.Clamp(estimate, 1024, 16 * 1024 * 1024);
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(chunk, to - from));
        try
        {
            // buffer[0..filled) holds the file's bytes [start, to).
            long start = to;
            int filled = 0;
            while (true)
            {
                long newStart = Math.Max(from, start - chunk);
                int added = (int)(start - newStart);
                if (filled + added > buffer.Length)
                {
                    byte[] bigger = ArrayPool<byte>.Shared.Rent(filled + added);
                    buffer.AsSpan(0, filled).CopyTo(bigger.AsSpan(added));
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                else
                {
                    buffer.AsSpan(0, filled).CopyTo(buffer.AsSpan(added));
                }

                int n = RandomAccess.Read(handle, buffer.AsSpan(0, added), newStart);
                if (n < added) throw new IOException("The journal became shorter while it was read.");
                filled += added;
                start = newStart;
                var data = buffer.AsSpan(0, filled);
                bool atStart = start == from;

                // Lines are complete between newlines; the bytes after the last newline are a torn or in-flight append.
                int end = data.LastIndexOf((byte)'\n');
                if (end < 0)
                {
                    if (atStart) return;
                }
                else
                {
                    // Walk back count newlines before the last one: the first wanted line starts just past the count-th.
                    int firstStart = -1;
                    int lineEnd = end;
                    int found = 0;
                    while (found < count)
                    {
                        int previous = lineEnd == 0 ? -1 : data[..lineEnd].LastIndexOf((byte)'\n');
                        found++;
                        if (previous < 0)
                        {
                            firstStart = atStart ? 0 : -1;
                            break;
                        }

                        firstStart = previous + 1;
                        lineEnd = previous;
                    }

                    if (firstStart >= 0)
                    {
                        int position = firstStart;
                        while (position <= end)
                        {
                            int newline = data[position..].IndexOf((byte)'\n') + position;
                            handler(data[position..newline], start + position);
                            position = newline + 1;
                        }

                        return;
                    }
                }

                chunk = (int)Math.Min((long)chunk * 2, 16 * 1024 * 1024);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads the fields of a message line that the journal summary needs, without materializing the message.</summary>
    /// <exception cref="SessionFormatException">The line is not a message record, or is of a newer schema version.</exception>
    public static SessionUsage? ReadLineUsage(ReadOnlySpan<byte> line, string sessionId, bool checksums = false)
    {
        if (CheckRecord(line, checksums) is { } damage) throw FileSessionDocument.Invalid("a journal line is damaged: " + damage, sessionId);
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw FileSessionDocument.Invalid("a journal line is not a JSON object", sessionId);
            int version = 0;
            bool hasMessage = false;
            SessionUsage? usage = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("v"u8)) { reader.Read(); version = reader.GetInt32(); }
                else if (reader.ValueTextEquals("usage"u8)) { reader.Read(); usage = SessionJson.ReadUsage(ref reader); }
                else
                {
                    hasMessage |= reader.ValueTextEquals("msg"u8);
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read()) throw FileSessionDocument.Invalid("a journal line is truncated or has trailing data", sessionId);
            if (version > SessionJson.CurrentSchemaVersion) throw NewerMessageVersion(version, sessionId);
            if (version < 1 || !hasMessage) throw FileSessionDocument.Invalid("a journal line is not a message record", sessionId);
            return usage;
        }
        catch (JsonException ex)
        {
            throw FileSessionDocument.Invalid($"a journal line is malformed ({ex.Message})", sessionId, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw FileSessionDocument.Invalid($"a journal line is malformed ({ex.Message})", sessionId, ex);
        }
        catch (FormatException ex)
        {
            throw FileSessionDocument.Invalid($"a journal line is malformed ({ex.Message})", sessionId, ex);
        }
    }

    /// <summary>Reads the <c>seq</c> of a message line, or <see langword="null"/> when the line is too damaged to tell.</summary>
    public static long? TryReadSequence(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("seq"u8))
                {
                    reader.Read();
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long seq) ? seq : null;
                }

                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    /// <summary>Returns whether a format error is about data newer than this library (kept as is) rather than damage.</summary>
    public static bool IsNewerVersion(SessionFormatException exception) =>
        exception.Message.Contains("newer than", StringComparison.Ordinal);

    private static SessionFormatException NewerMessageVersion(int version, string sessionId) =>
        FileSessionDocument.Invalid($"a message record has schema version {version}, newer than the {SessionJson.CurrentSchemaVersion} this library reads; upgrade Sessions.Sdk", sessionId);
}

/// <summary>The header line of a journal.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Generation">A random id that changes whenever the journal is replaced.</param>
/// <param name="Version">The session version when the journal was written.</param>
/// <param name="CreatedAt">When the journal was written.</param>
/// <param name="BaseUsage">Usage accumulated by messages no longer in the journal.</param>
internal sealed record FileJournalHeader(string SessionId, string Generation, long Version, DateTimeOffset CreatedAt, SessionUsage BaseUsage)
{
    /// <summary>Gets the header's schema version: from <see cref="FileJournal.ChecksumSchemaVersion"/> on, every message line carries a checksum.</summary>
    public int SchemaVersion { get; init; } = FileJournal.CurrentSchemaVersion;

    /// <summary>Gets how many messages were written with the header (create, replace); appends after them advance the session version.</summary>
    public long InitialCount { get; init; }

    /// <summary>Gets a value indicating whether message lines carry checksums.</summary>
    public bool Checksums => SchemaVersion >= FileJournal.ChecksumSchemaVersion;

    /// <summary>Gets the header line's length in bytes, including its newline; where the first message starts.</summary>
    public int Length { get; init; }
}

/// <summary>What the journal holds up to <see cref="Length"/>, cached per session and validated against the file.</summary>
internal sealed record FileJournalState(FileJournalHeader Header, long Length, long Count, SessionUsage Usage, DateTimeOffset UpdatedAt)
{
    public FileJournalSummary ToSummary(long lastWriteTicks) =>
        new(Header.Generation, Header.Version, Length, lastWriteTicks, Count, Usage, UpdatedAt) { SchemaVersion = Header.SchemaVersion, InitialCount = Header.InitialCount };
}
