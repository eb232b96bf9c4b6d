namespace Sessions.Sdk;

/// <summary>The one word rule of search outside SQLite's FTS5: how search text and stored text are split into words and matched.</summary>
/// <remarks>
/// A word is a maximal run of letters and digits (<see cref="char.IsLetterOrDigit(char)"/>); everything else separates
/// words, so no query syntax can be injected through a word. Words match ignoring case; the last word of a query also
/// matches as a prefix. Linked into every package that tokenizes this way (the scanning search of the memory and file
/// stores, the PostgreSQL store's index text and query); SQLite mirrors FTS5's own unicode61 tokenizer instead, because
/// its query words must split as that index splits them.
/// </remarks>
internal static class SearchTokenizer
{
    /// <summary>Returns whether a character belongs to a word: a letter or a digit.</summary>
    /// <param name="c">The character.</param>
    /// <returns><see langword="true"/> for letters and digits.</returns>
    public static bool IsWordChar(char c) => char.IsLetterOrDigit(c);

    /// <summary>Finds the next word at or after <paramref name="index"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="index">Where to start; moved past the word found.</param>
    /// <param name="start">The position of the word.</param>
    /// <param name="length">The length of the word; 0 when there is none.</param>
    /// <returns><see langword="true"/> when a word was found.</returns>
    public static bool NextToken(string text, ref int index, out int start, out int length)
    {
        while (index < text.Length && !IsWordChar(text[index])) index++;
        start = index;
        while (index < text.Length && IsWordChar(text[index])) index++;
        length = index - start;
        return length > 0;
    }

    /// <summary>Splits search text into its distinct words, in order.</summary>
    /// <param name="text">The text.</param>
    /// <param name="maxWords">The most words returned; later ones are ignored.</param>
    /// <returns>The words, duplicates removed ignoring case (the first spelling is kept).</returns>
    public static string[] Words(string? text, int maxWords = int.MaxValue)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var words = new List<string>();
        int i = 0;
        while (words.Count < maxWords && NextToken(text, ref i, out int start, out int length))
        {
            string word = text.Substring(start, length);
            if (!words.Contains(word, StringComparer.OrdinalIgnoreCase)) words.Add(word);
        }

        return [.. words];
    }

    /// <summary>Returns whether a word of stored text matches a query word.</summary>
    /// <param name="token">The word of the stored text.</param>
    /// <param name="word">The query word.</param>
    /// <param name="prefix">Whether <paramref name="word"/> may match as a prefix (the last query word).</param>
    /// <returns><see langword="true"/> when it matches, ignoring case.</returns>
    public static bool Matches(ReadOnlySpan<char> token, string word, bool prefix) =>
        prefix ? token.StartsWith(word, StringComparison.OrdinalIgnoreCase) : token.Equals(word, StringComparison.OrdinalIgnoreCase);
}
