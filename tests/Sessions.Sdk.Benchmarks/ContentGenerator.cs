using System.Security.Cryptography;
using System.Text;

namespace Sessions.Sdk.Benchmarks;

/// <summary>The deterministic message content of PERFORMANCE.md: 400 ASCII characters per message from an LCG stream.</summary>
internal sealed class ContentGenerator
{
    public const int MessageLength = 400;
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .";
    private uint _state;

    public ContentGenerator(uint seed) => _state = seed;

    /// <summary>Returns the next message's content (message i takes characters 400·i … 400·i+399 of the stream).</summary>
    public string Next()
    {
        return string.Create(MessageLength, this, static (span, g) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                g._state = unchecked((g._state * 1664525u) + 1013904223u);
                span[i] = Alphabet[(int)(g._state >> 26)];
            }
        });
    }

    /// <summary>Returns the role of message <paramref name="index"/>: user when even, assistant when odd.</summary>
    public static string Role(int index) => index % 2 == 0 ? "user" : "assistant";

    /// <summary>Returns the reference JSON line of a message: <c>{"role":"…","content":"…"}\n</c>.</summary>
    public static string ReferenceLine(int index, string content) => "{\"role\":\"" + Role(index) + "\",\"content\":\"" + content + "\"}\n";

    /// <summary>Checks the generator against PERFORMANCE.md's published check values; throws when they differ.</summary>
    public static void VerifyReference()
    {
        var g = new ContentGenerator(42);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long bytes = 0;
        for (int i = 0; i < 10_000; i++)
        {
            var content = g.Next();
            if (i == 0 && !content.StartsWith("qfKoybCh3.2FP3Mfi874JlJq80j1DdbI12RyLSTT", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("content generator: seed 42 message 0 does not match PERFORMANCE.md");
            }

            var line = Encoding.ASCII.GetBytes(ReferenceLine(i, content));
            bytes += line.Length;
            sha.AppendData(line);
        }

        var hash = Convert.ToHexStringLower(sha.GetHashAndReset());
        if (bytes != 4_315_000 || hash != "3de23a5a20a7c36a17414e1cc897394778bc2eace788776d452238d5b4140643")
        {
            throw new InvalidOperationException($"content generator check failed: {bytes} bytes, sha256 {hash}");
        }
    }
}
