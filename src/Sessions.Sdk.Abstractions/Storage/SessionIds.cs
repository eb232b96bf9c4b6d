using System.Security.Cryptography;

namespace Sessions.Sdk;

/// <summary>Validates and generates session ids; every store and the session manager apply the same rules.</summary>
/// <remarks>
/// A valid id is 1 to 128 characters of ASCII letters, digits, <c>-</c>, <c>_</c> and <c>.</c>; it starts with a
/// letter or digit, does not end with <c>.</c>, contains no <c>..</c>, and is not a reserved device name
/// (<c>con</c>, <c>nul</c>, <c>com1</c>, ...). Such an id is safe as a file name on every platform.
/// </remarks>
public static class SessionIds
{
    /// <summary>The maximum length of a session id.</summary>
    public const int MaxLength = 128;

    private const string Crockford = "0123456789abcdefghjkmnpqrstvwxyz";

    private static readonly string[] ReservedNames =
    [
        "con", "prn", "aux", "nul", "clock$", "conin$", "conout$",
        "com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
        "lpt0", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    ];

    /// <summary>Returns whether <paramref name="sessionId"/> is a valid session id.</summary>
    /// <param name="sessionId">The id to check.</param>
    /// <returns><see langword="true"/> when valid.</returns>
    public static bool IsValid(string? sessionId) => Problem(sessionId) is null;

    /// <summary>Throws when <paramref name="sessionId"/> is not a valid session id.</summary>
    /// <param name="sessionId">The id to check.</param>
    /// <param name="paramName">The name of the parameter that held it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sessionId"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> breaks a rule; the message says which.</exception>
    public static void Validate(string? sessionId, string paramName = "sessionId")
    {
        ArgumentNullException.ThrowIfNull(sessionId, paramName);
        if (Problem(sessionId) is { } problem)
        {
            throw new ArgumentException($"'{Printable(sessionId)}' is not a valid session id: {problem}", paramName);
        }
    }

    /// <summary>Creates a new id that sorts by creation time: 10 characters of milliseconds, then 16 random ones.</summary>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <returns>A 26-character lowercase id.</returns>
    public static string Create(TimeProvider? timeProvider = null)
    {
        long ms = (timeProvider ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        Span<char> chars = stackalloc char[26];
        for (int i = 9; i >= 0; i--)
        {
            chars[i] = Crockford[(int)(ms & 31)];
            ms >>= 5;
        }

        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        for (int i = 0; i < 16; i++)
        {
            chars[10 + i] = Crockford[random[i] & 31];
        }

        return new string(chars);
    }

    private static string? Problem(string? id)
    {
        if (id is null) return "it is null.";
        if (id.Length == 0) return "it is empty.";
        if (id.Length > MaxLength) return $"it is longer than {MaxLength} characters.";
        foreach (char c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return "only ASCII letters, digits, '-', '_' and '.' are allowed.";
            }
        }

        if (!char.IsAsciiLetterOrDigit(id[0])) return "it must start with a letter or digit.";
        if (id[^1] == '.') return "it must not end with '.'.";
        if (id.Contains("..", StringComparison.Ordinal)) return "it must not contain '..'.";
        int dot = id.IndexOf('.', StringComparison.Ordinal);
        var stem = dot < 0 ? id.AsSpan() : id.AsSpan(0, dot);
        if (stem.Length <= 7)
        {
            // Only short stems can be reserved names (the longest is "conout$").
            foreach (string reserved in ReservedNames)
            {
                if (stem.Equals(reserved, StringComparison.OrdinalIgnoreCase)) return $"'{reserved}' is a reserved device name.";
            }
        }

        return null;
    }

    private static string Printable(string id)
    {
        var shown = id.Length > 40 ? id[..40] + "..." : id;
        return string.Create(shown.Length, shown, static (span, s) =>
        {
            for (int i = 0; i < s.Length; i++) span[i] = char.IsControl(s[i]) ? '?' : s[i];
        });
    }
}
