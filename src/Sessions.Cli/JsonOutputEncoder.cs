using System.Text.Encodings.Web;

namespace Sessions.Cli;

/// <summary>
/// The JSON the tool prints escapes only what JSON requires: quotation mark, reverse solidus, control characters and lone
/// surrogates. Everything else (accents, CJK, emoji, HTML-sensitive characters) is written as itself.
/// </summary>
/// <remarks>
/// The built-in encoders build a table of every defined Unicode code point on first use, several milliseconds of a
/// short-lived process's start-up; this one needs no table.
/// </remarks>
internal sealed class JsonOutputEncoder : JavaScriptEncoder
{
    public static readonly JsonOutputEncoder Instance = new();

    private JsonOutputEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => 6; // \uXXXX

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        var span = new ReadOnlySpan<char>(text, textLength);
        for (int i = 0; i < span.Length; i++)
        {
            char c = span[i];
            if (c < 0x20 || c == '"' || c == '\\') return i;
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
                {
                    i++;
                    continue;
                }

                return i;
            }

            if (char.IsLowSurrogate(c)) return i;
        }

        return -1;
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        int i = 0;
        while (i < utf8Text.Length)
        {
            byte b = utf8Text[i];
            if (b < 0x80)
            {
                if (b < 0x20 || b == '"' || b == '\\') return i;
                i++;
                continue;
            }

            // Ill-formed UTF-8 is encoded (replaced), well-formed sequences pass through.
            if (System.Text.Rune.DecodeFromUtf8(utf8Text[i..], out _, out int consumed) != System.Buffers.OperationStatus.Done) return i;
            i += consumed;
        }

        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var output = new Span<char>(buffer, bufferLength);
        string? escape = unicodeScalar switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\b' => "\\b",
            '\f' => "\\f",
            _ => null,
        };
        if (escape is not null)
        {
            numberOfCharactersWritten = escape.Length;
            return escape.AsSpan().TryCopyTo(output);
        }

        if (!WillEncode(unicodeScalar))
        {
            numberOfCharactersWritten = 0;
            if (unicodeScalar <= 0xFFFF)
            {
                if (output.Length < 1) return false;
                output[0] = (char)unicodeScalar;
                numberOfCharactersWritten = 1;
                return true;
            }

            if (output.Length < 2) return false;
            numberOfCharactersWritten = new System.Text.Rune(unicodeScalar).EncodeToUtf16(output);
            return true;
        }

        numberOfCharactersWritten = 6;
        return output.Length >= 6 && $"\\u{unicodeScalar:X4}".AsSpan().TryCopyTo(output);
    }

    public override bool WillEncode(int unicodeScalar) =>
        unicodeScalar < 0x20 || unicodeScalar == '"' || unicodeScalar == '\\' || (unicodeScalar >= 0xD800 && unicodeScalar <= 0xDFFF);
}
