namespace Sessions.Sdk;

/// <summary>
/// The checksum every store keeps beside each stored record (file journal lines, SQL message rows): CRC-32C
/// (Castagnoli) of the record's UTF-8 bytes, hardware-accelerated where the CPU has it. One copy, linked into each
/// store's assembly, so a record written by one store's code is verified by the same rule everywhere.
/// </summary>
internal static class RecordChecksum
{
    /// <summary>CRC-32C of <paramref name="data"/>.</summary>
    /// <remarks>Optimized at its first compilation: an import or export of a long session spends its first second in it, and the
    /// unoptimized first tier of its loop is several times slower.</remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = uint.MaxValue;
        while (data.Length >= 8)
        {
            crc = System.Numerics.BitOperations.Crc32C(crc, System.Runtime.InteropServices.MemoryMarshal.Read<ulong>(data));
            data = data[8..];
        }

        foreach (byte b in data)
        {
            crc = System.Numerics.BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    /// <summary>CRC-32C of the UTF-8 encoding of <paramref name="text"/>.</summary>
    public static uint Crc32C(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int max = System.Text.Encoding.UTF8.GetMaxByteCount(text.Length);
        if (max <= 1024)
        {
            Span<byte> buffer = stackalloc byte[max];
            int written = System.Text.Encoding.UTF8.GetBytes(text, buffer);
            return Crc32C(buffer[..written]);
        }

        byte[] rented = System.Buffers.ArrayPool<byte>.Shared.Rent(max);
        try
        {
            int written = System.Text.Encoding.UTF8.GetBytes(text, rented);
            return Crc32C(rented.AsSpan(0, written));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
