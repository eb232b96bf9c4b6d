using System.Text;

namespace Sessions.Sdk;

/// <summary>Decodes a file's bytes to text with \n line breaks and encodes edited text back with the file's own encoding, byte order mark and line breaks.</summary>
internal sealed class EditTextCodec
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private EditTextCodec(Encoding encoding, int preambleLength, bool crlf, bool isBinary)
    {
        Encoding = encoding;
        PreambleLength = preambleLength;
        Crlf = crlf;
        IsBinary = isBinary;
    }

    /// <summary>Gets the codec of a new file: UTF-8 without byte order mark, \n line breaks.</summary>
    public static EditTextCodec NewFile { get; } = new(StrictUtf8, 0, crlf: false, isBinary: false);

    public Encoding Encoding { get; }

    public int PreambleLength { get; }

    /// <summary>Gets a value indicating whether the file breaks every line with \r\n (the text is handled with \n and written back with \r\n).</summary>
    public bool Crlf { get; }

    public bool IsBinary { get; }

    /// <summary>Detects the file's encoding and line breaks and returns its text (\r\n turned into \n when every break is \r\n).</summary>
    public static (EditTextCodec Codec, string Text) Decode(byte[] bytes, string path, bool allowBinary)
    {
        var span = bytes.AsSpan();
        Encoding? encoding = null;
        int preamble = 0;
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            (encoding, preamble) = (StrictUtf8, 3);
        }
        else if (span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE, 0x00, 0x00]))
        {
            (encoding, preamble) = (new UTF32Encoding(bigEndian: false, byteOrderMark: false, throwOnInvalidCharacters: true), 4);
        }
        else if (span.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF]))
        {
            (encoding, preamble) = (new UTF32Encoding(bigEndian: true, byteOrderMark: false, throwOnInvalidCharacters: true), 4);
        }
        else if (span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            (encoding, preamble) = (new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true), 2);
        }
        else if (span.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            (encoding, preamble) = (new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true), 2);
        }

        string text;
        bool binary = false;
        if (encoding is not null)
        {
            try
            {
                text = encoding.GetString(span[preamble..]);
            }
            catch (DecoderFallbackException)
            {
                throw new EditPreconditionException(path, $"The file '{path}' has a byte order mark but does not decode with its encoding; it is not edited.");
            }
        }
        else if (span[..Math.Min(span.Length, 8192)].Contains((byte)0) || !System.Text.Unicode.Utf8.IsValid(span))
        {
            if (!allowBinary)
            {
                throw new EditPreconditionException(path, $"The file '{path}' looks binary (NUL bytes or invalid UTF-8); set EditingOptions.AllowBinaryFiles to edit it byte for byte.");
            }

            binary = true;
            encoding = Encoding.Latin1;
            text = Encoding.Latin1.GetString(span);
        }
        else
        {
            encoding = StrictUtf8;
            text = StrictUtf8.GetString(span);
        }

        // Handle \r\n files as \n so operations written with \n match and insert breaks of the file's own kind.
        int crlf = 0, lf = 0;
        for (int i = text.IndexOf('\n', StringComparison.Ordinal); i >= 0; i = text.IndexOf('\n', i + 1))
        {
            if (i > 0 && text[i - 1] == '\r')
            {
                crlf++;
            }
            else
            {
                lf++;
            }
        }

        bool isCrlf = crlf > 0 && lf == 0;
        if (isCrlf)
        {
            text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        }

        return (new EditTextCodec(encoding, preamble, isCrlf, binary), text);
    }

    /// <summary>Brings an operation's text to the form the decoded text uses (\r\n to \n for a \r\n file).</summary>
    public string Normalize(string operationText) =>
        Crlf ? operationText.Replace("\r\n", "\n", StringComparison.Ordinal) : operationText;

    /// <summary>Encodes edited text with the original byte order mark (kept from <paramref name="original"/>), encoding and line breaks.</summary>
    public byte[] Encode(string text, ReadOnlySpan<byte> original)
    {
        if (Crlf)
        {
            text = text.Replace("\n", "\r\n", StringComparison.Ordinal);
        }

        int count = Encoding.GetByteCount(text);
        var bytes = new byte[PreambleLength + count];
        original[..PreambleLength].CopyTo(bytes);
        Encoding.GetBytes(text, bytes.AsSpan(PreambleLength));
        return bytes;
    }
}
