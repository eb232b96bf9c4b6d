using System.Globalization;
using System.Text;

namespace Sessions.Sdk;

/// <summary>Translates user search text into a safe FTS5 query: each word quoted, every word required, prefix on the last.</summary>
/// <remarks>
/// Words are runs of letters, digits and private-use characters (the unicode61 tokenizer's token characters); everything
/// else separates words, so FTS5 operators (<c>AND</c>, <c>NEAR</c>, <c>*</c>, <c>^</c>, <c>:</c>, quotes, parentheses)
/// in the text are searched as plain words or ignored and can never make the query fail to parse.
/// </remarks>
internal static class SqliteFtsQuery
{
    /// <summary>The most words a query uses; later words are ignored.</summary>
    public const int MaxTerms = 64;

    /// <summary>Builds the MATCH expression for <paramref name="text"/>.</summary>
    /// <param name="text">The user's search text.</param>
    /// <returns>The FTS5 expression, or <see langword="null"/> when the text holds no searchable word.</returns>
    public static string? Build(string text)
    {
        var terms = Terms(text);
        if (terms.Count == 0) return null;
        var sb = new StringBuilder(text.Length + (terms.Count * 4));
        for (int i = 0; i < terms.Count; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append('"').Append(terms[i].Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        }

        return sb.Append('*').ToString();
    }

    /// <summary>Splits <paramref name="text"/> into words the way the unicode61 tokenizer does.</summary>
    /// <param name="text">The text.</param>
    /// <returns>At most <see cref="MaxTerms"/> words, in order.</returns>
    public static IReadOnlyList<string> Terms(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var terms = new List<string>();
        var current = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsTokenRune(rune))
            {
                current.Append(rune.ToString());
                continue;
            }

            if (current.Length > 0)
            {
                terms.Add(current.ToString());
                current.Clear();
                if (terms.Count == MaxTerms) return terms;
            }
        }

        if (current.Length > 0) terms.Add(current.ToString());
        return terms;
    }

    private static bool IsTokenRune(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
            or UnicodeCategory.PrivateUse => true,
        _ => false,
    };
}
