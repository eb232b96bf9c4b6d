namespace Sessions.Sdk;

/// <summary>Lossless export straight from the journal: message records copied as stored, without materializing messages.</summary>
internal sealed partial class FileSessionStorage
{
    /// <summary>Receives one message as its JSON object, exactly the form <see cref="SessionJson"/> writes.</summary>
    internal delegate void MessageJsonVisitor(ReadOnlySpan<byte> messageJson);

    /// <summary>Hands the JSON of messages <paramref name="skip"/> to <paramref name="skip"/> + <paramref name="take"/> - 1 to
    /// <paramref name="visitor"/>, in order, as a lossless export writes them.</summary>
    /// <remarks>
    /// A journal record is the shared message JSON with its CRC-32C sealed in as a last property. A current-version record whose
    /// checksum holds is handed over as stored, the checksum property cut off: the bytes <see cref="SessionJson"/> wrote, so the
    /// same a parse and a new write would give, for a copy and a checksum instead of a parse and a write. Anything else (a journal
    /// without checksums, an older record version) is parsed and written anew; a damaged record fails exactly as reading it does.
    /// </remarks>
    /// <returns>How many messages were handed over (fewer than <paramref name="take"/> at the session's end).</returns>
    /// <exception cref="SessionNotFoundException">The session does not exist.</exception>
    /// <exception cref="SessionFormatException">A record in the range is damaged or of a newer version.</exception>
    internal int CopyMessageJson(string sessionId, int skip, int take, MessageJsonVisitor visitor)
    {
        SessionIds.Validate(sessionId);
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        ArgumentNullException.ThrowIfNull(visitor);
        return Guard(sessionId, () =>
        {
            if (!File.Exists(MetaPath(sessionId))) throw new SessionNotFoundException(sessionId);
            if (take == 0) return 0;
            using var handle = OpenJournal(sessionId, FileAccess.Read);
            var header = FileJournal.ReadHeader(handle, sessionId);
            long fileLength = RandomAccess.GetLength(handle);
            byte[] record = new byte[1024];
            System.Buffers.ArrayBufferWriter<byte>? rewritten = null;
            return ForEachForward(sessionId, handle, header, fileLength, skip, take, (line, offset, sequence) =>
            {
                if (header.Checksums && line.StartsWith(CurrentRecordStart) && FileJournal.CheckRecord(line, required: true) is null)
                {
                    // The record up to its checksum property, and the closing brace the seal replaced.
                    int length = line.Length - FileJournal.ChecksumSuffixLength;
                    if (record.Length < length + 1) record = new byte[Math.Max(length + 1, record.Length * 2)];
                    line[..length].CopyTo(record);
                    record[length] = (byte)'}';
                    visitor(record.AsSpan(0, length + 1));
                    return;
                }

                var message = ParseMessage(line, sessionId, header.Checksums, sequence, offset);
                rewritten ??= new System.Buffers.ArrayBufferWriter<byte>(1024);
                rewritten.ResetWrittenCount();
                SessionJson.SerializeMessage(message, rewritten);
                visitor(rewritten.WrittenSpan);
            });
        });
    }

    /// <summary>How every record of the current message version begins (what <see cref="SessionJson"/> writes first).</summary>
    private static ReadOnlySpan<byte> CurrentRecordStart => "{\"v\":1,\"seq\":"u8;
}
