using System.Runtime.CompilerServices;
using System.Text;

namespace Sessions.Sdk;

/// <summary>Searches any <see cref="ISessionStorage"/> by listing its sessions and scanning their messages page by page.</summary>
/// <remarks>
/// Correct for every store but linear in the stored text; stores with an index (SQLite FTS5, PostgreSQL) implement
/// <see cref="ISessionSearch"/> themselves. Memory use is bounded by one page of messages plus the hits kept for the
/// requested page. Words match case-insensitively on word boundaries; the last word also matches as a prefix.
/// Thread-safe.
/// </remarks>
internal sealed class ScanningSessionSearch : ISessionSearch
{
    /// <summary>The number of messages read per storage call.</summary>
    internal const int PageSize = 256;

    /// <summary>The number of sessions listed per storage call.</summary>
    internal const int ListPageSize = 256;

    /// <summary>The approximate length of a snippet, in characters, excluding highlight markers.</summary>
    internal const int SnippetLength = 160;

    private const double TitleBoost = 2.0;
    private const char Ellipsis = '…';

    private readonly ISessionStorage _storage;

    /// <summary>Initializes a search over <paramref name="storage"/>.</summary>
    /// <param name="storage">The storage to scan.</param>
    public ScanningSessionSearch(ISessionStorage storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _storage = storage;
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<SessionSearchHit> SearchAsync(SessionSearchQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        string[] words = Tokenize(query.Text);
        if (words.Length == 0)
        {
            throw new ArgumentException("The search text must contain at least one word (letters or digits).", nameof(query));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(query.Skip, nameof(query));
        ArgumentOutOfRangeException.ThrowIfNegative(query.Take, nameof(query));
        ArgumentNullException.ThrowIfNull(query.Tags, nameof(query));
        return SearchCoreAsync(query, words, cancellationToken);
    }

    /// <summary>Splits text into its words (<see cref="SearchTokenizer.Words"/>).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The words, in order, duplicates removed (ignoring case).</returns>
    internal static string[] Tokenize(string? text) => SearchTokenizer.Words(text);

    /// <summary>Scores <paramref name="text"/> against the query words; 0 when a word is missing.</summary>
    /// <param name="text">The text.</param>
    /// <param name="words">The query words; the last one matches as a prefix.</param>
    /// <returns>The score and the position of the first matched token.</returns>
    internal static (double Score, int FirstMatch) Score(string text, string[] words)
    {
        // Cheap vectorized rejection first: a word (or prefix) that is not even a substring cannot match a token.
        foreach (string word in words)
        {
            if (!text.Contains(word, StringComparison.OrdinalIgnoreCase)) return (0, -1);
        }

        Span<int> counts = words.Length <= 32 ? stackalloc int[words.Length] : new int[words.Length];
        counts.Clear();
        int tokens = 0, firstMatch = -1, i = 0;
        while (SearchTokenizer.NextToken(text, ref i, out int start, out int length))
        {
            tokens++;
            var token = text.AsSpan(start, length);
            for (int w = 0; w < words.Length; w++)
            {
                if (SearchTokenizer.Matches(token, words[w], prefix: w == words.Length - 1))
                {
                    counts[w]++;
                    if (firstMatch < 0) firstMatch = start;
                }
            }
        }

        double score = 0;
        double lengthNorm = 0.25 + (0.75 * tokens / 50.0);
        foreach (int tf in counts)
        {
            if (tf == 0) return (0, -1);

            // BM25-style saturation without idf: repeated words help, with diminishing returns on long texts.
            score += tf * 2.2 / (tf + (1.2 * lengthNorm));
        }

        return (score, firstMatch);
    }

    /// <summary>Builds a snippet of about <see cref="SnippetLength"/> characters around <paramref name="firstMatch"/>, highlighting every matched word.</summary>
    /// <param name="text">The text.</param>
    /// <param name="words">The query words; the last one matches as a prefix.</param>
    /// <param name="firstMatch">The position of the first matched token.</param>
    /// <param name="highlightStart">The marker written before a matched word.</param>
    /// <param name="highlightEnd">The marker written after a matched word.</param>
    /// <returns>The snippet.</returns>
    internal static string Snippet(string text, string[] words, int firstMatch, string highlightStart, string highlightEnd)
    {
        int start = 0, end = text.Length;
        if (text.Length > SnippetLength)
        {
            start = Math.Max(0, firstMatch - (SnippetLength / 3));
            end = Math.Min(text.Length, start + SnippetLength);
            start = Math.Max(0, Math.Min(start, end - SnippetLength));

            // Do not cut words in half at either edge.
            while (start > 0 && start < firstMatch && SearchTokenizer.IsWordChar(text[start - 1])) start++;
            while (end < text.Length && end > firstMatch && SearchTokenizer.IsWordChar(text[end])) end--;
        }

        var sb = new StringBuilder(end - start + 32);
        if (start > 0) sb.Append(Ellipsis);
        int copied = start, i = start;
        while (SearchTokenizer.NextToken(text, ref i, out int tokenStart, out int length) && tokenStart < end)
        {
            int tokenEnd = Math.Min(tokenStart + length, end);
            var token = text.AsSpan(tokenStart, tokenEnd - tokenStart);
            bool matched = false;
            for (int w = 0; w < words.Length && !matched; w++) matched = SearchTokenizer.Matches(token, words[w], prefix: w == words.Length - 1);
            if (!matched) continue;
            AppendClean(sb, text.AsSpan(copied, tokenStart - copied));
            sb.Append(highlightStart);
            AppendClean(sb, token);
            sb.Append(highlightEnd);
            copied = tokenEnd;
        }

        AppendClean(sb, text.AsSpan(copied, end - copied));
        if (end < text.Length) sb.Append(Ellipsis);
        return sb.ToString().Trim();
    }

    private static void AppendClean(StringBuilder sb, ReadOnlySpan<char> text)
    {
        // Snippets are one line: collapse line breaks and other control characters to spaces.
        foreach (char c in text) sb.Append(char.IsControl(c) ? ' ' : c);
    }

    private async IAsyncEnumerable<SessionSearchHit> SearchCoreAsync(SessionSearchQuery query, string[] words, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int keep = (int)Math.Min(int.MaxValue, (long)query.Skip + query.Take);
        if (keep == 0) yield break;

        var best = new TopHits(keep);
        var listing = new SessionQuery
        {
            Kind = query.Kind,
            ProviderName = query.ProviderName,
            Tag = query.Tags.Count > 0 ? query.Tags[0] : null,
            OrderBy = SessionSortField.CreatedAt,
            Descending = false,
            Take = ListPageSize,
        };

        // Sessions are listed a page at a time and each listing is finished before messages are read, so stores that
        // cannot serve a read while a listing is open still work. Ids already scanned are skipped when pages shift.
        var scanned = new HashSet<string>(StringComparer.Ordinal);
        var batch = new List<SessionInfo>(ListPageSize);
        for (int offset = 0; ; offset += ListPageSize)
        {
            batch.Clear();
            await foreach (var session in _storage.ListAsync(listing with { Skip = offset }, cancellationToken).ConfigureAwait(false))
            {
                batch.Add(session);
            }

            foreach (var session in batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!scanned.Add(session.Id)) continue;
                await ScanSessionAsync(session, query, words, best, cancellationToken).ConfigureAwait(false);
            }

            if (batch.Count < ListPageSize) break;
        }

        foreach (var hit in best.ToSortedList().Skip(query.Skip))
        {
            yield return hit;
        }
    }

    private async Task ScanSessionAsync(SessionInfo session, SessionSearchQuery query, string[] words, TopHits best, CancellationToken cancellationToken)
    {
        if (!query.Matches(session)) return;

        if (query.IncludeTitles && session.Title.Length > 0 && query.InWindow(session.UpdatedAt))
        {
            var (score, first) = Score(session.Title, words);
            if (score > 0)
            {
                best.Add(new SessionSearchHit
                {
                    SessionId = session.Id,
                    SessionTitle = session.Title,
                    Snippet = Snippet(session.Title, words, first, query.HighlightStart, query.HighlightEnd),
                    Score = score * TitleBoost,
                    Timestamp = session.UpdatedAt,
                });
            }
        }

        if (session.MessageCount == 0) return;
        for (int skip = 0; ; skip += PageSize)
        {
            IReadOnlyList<SessionMessage> page;
            try
            {
                page = await _storage.GetMessagesAsync(session.Id, MessageRange.Slice(skip, PageSize), cancellationToken).ConfigureAwait(false);
            }
            catch (SessionNotFoundException)
            {
                return; // deleted while we were scanning
            }

            foreach (var message in page)
            {
                if (!query.InWindow(message.Timestamp)) continue;
                string text = message.Text;
                if (text.Length == 0) continue;
                var (score, first) = Score(text, words);
                if (score <= 0) continue;
                best.Add(new SessionSearchHit
                {
                    SessionId = session.Id,
                    SessionTitle = session.Title,
                    Sequence = message.Sequence,
                    Role = message.Role.Value,
                    Snippet = Snippet(text, words, first, query.HighlightStart, query.HighlightEnd),
                    Score = score,
                    Timestamp = message.Timestamp,
                });
            }

            if (page.Count < PageSize) return;
        }
    }

    /// <summary>Keeps the best <c>capacity</c> hits seen so far, in a min-heap keyed on rank.</summary>
    private sealed class TopHits(int capacity)
    {
        private readonly PriorityQueue<SessionSearchHit, SessionSearchHit> _heap = new(Math.Min(capacity, 1024), WorstFirst.Instance);

        public void Add(SessionSearchHit hit)
        {
            if (_heap.Count < capacity)
            {
                _heap.Enqueue(hit, hit);
            }
            else if (WorstFirst.Instance.Compare(hit, _heap.Peek()) > 0)
            {
                _heap.DequeueEnqueue(hit, hit);
            }
        }

        public List<SessionSearchHit> ToSortedList()
        {
            var list = new List<SessionSearchHit>(_heap.Count);
            while (_heap.TryDequeue(out var hit, out _)) list.Add(hit);
            list.Reverse();
            return list;
        }
    }

    /// <summary>Orders hits worst first: lower score, then older, then larger session id, then later sequence.</summary>
    private sealed class WorstFirst : IComparer<SessionSearchHit>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare(SessionSearchHit? x, SessionSearchHit? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            if (x is null) return -1;
            if (y is null) return 1;
            int c = x.Score.CompareTo(y.Score);
            if (c != 0) return c;
            c = x.Timestamp.CompareTo(y.Timestamp);
            if (c != 0) return c;
            c = string.CompareOrdinal(y.SessionId, x.SessionId);
            if (c != 0) return c;
            return (y.Sequence ?? 0).CompareTo(x.Sequence ?? 0);
        }
    }
}
