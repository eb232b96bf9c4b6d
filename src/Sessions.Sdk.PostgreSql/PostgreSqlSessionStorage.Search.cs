using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Sessions.Sdk;

/// <summary>Full-text search over the <c>tsvector</c> columns, ranked with <c>ts_rank</c> and highlighted with <c>ts_headline</c>.</summary>
internal sealed partial class PostgreSqlSessionStorage
{
    /// <summary>The most query words used; more would only slow the query down without narrowing it usefully.</summary>
    internal const int MaxQueryWords = 32;

    private const double TitleBoost = 2.0;

    // Private-use code points mark highlights inside ts_headline; the caller's markers replace them afterwards, so
    // markers of any content (quotes, commas, '=') never reach ts_headline's option parser.
    private const char StartSentinel = '\uE000';
    private const char StopSentinel = '\uE001';

    /// <inheritdoc/>
    public IAsyncEnumerable<SessionSearchHit> SearchAsync(SessionSearchQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        string[] words = QueryWords(query.Text);
        if (words.Length == 0)
        {
            throw new ArgumentException("The search text must contain at least one word (letters or digits).", nameof(query));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(query.Skip, nameof(query));
        ArgumentOutOfRangeException.ThrowIfNegative(query.Take, nameof(query));
        ArgumentNullException.ThrowIfNull(query.Tags, nameof(query));
        return SearchCoreAsync(query, words, cancellationToken);
    }

    /// <summary>The most positions PostgreSQL keeps per lexeme (<c>MAXNUMPOS</c>); <c>to_tsvector</c> keeps the first ones too.</summary>
    private const int MaxPositionsPerWord = 255;

    /// <summary>The highest word position a <c>tsvector</c> holds (<c>MAXENTRYPOS</c>); later words share it, as with <c>to_tsvector</c>.</summary>
    private const int MaxPosition = 16383;

    /// <summary>The longest lexeme, in UTF-8 bytes, a <c>tsvector</c> accepts; <c>to_tsvector</c> skips longer words too.</summary>
    private const int MaxWordBytes = 2046;

    /// <summary>Returns the <c>tsvector</c> of a text as input text (<c>'word':1,4 'other':2</c>): its words as the index stores them
    /// (maximal runs of letters and digits, lower-cased) with their positions.</summary>
    /// <remarks>
    /// Built here and cast with <c>::tsvector</c> on the server, so an append sends its search vector ready-made: the server's own
    /// parser (<c>to_tsvector</c>) cost about a fifth of an append. Words consist of letters and digits only, so nothing needs quoting,
    /// and they are exactly the words <see cref="QueryWords"/> makes of search text, so index and query always agree.
    /// </remarks>
    /// <param name="text">The text.</param>
    /// <returns>The <c>tsvector</c> input text; empty when the text has no words.</returns>
    internal static string SearchVector(string text)
    {
        // Words in first-seen order with their first position; a word seen again gets a list of its further positions (rare in
        // prose, so most texts allocate one string per distinct word and nothing per position).
        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        var words = new List<(string Word, int First, List<int>? More)>();
        int i = 0;
        int position = 0;
        int chars = 0;
        while (SearchTokenizer.NextToken(text, ref i, out int start, out int length))
        {
            position = Math.Min(position + 1, MaxPosition);
            if (length > MaxWordBytes / 3 && Encoding.UTF8.GetByteCount(text.AsSpan(start, length)) > MaxWordBytes) continue;
            string word = string.Create(length, (text, start), static (span, state) => state.text.AsSpan(state.start, span.Length).ToLowerInvariant(span));
            if (!slots.TryGetValue(word, out int slot))
            {
                slots.Add(word, words.Count);
                words.Add((word, position, null));
                chars += length;
                continue;
            }

            var (w, firstPosition, more) = words[slot];
            int count = 1 + (more?.Count ?? 0);
            int lastPosition = more is { Count: > 0 } ? more[^1] : firstPosition;
            if (count < MaxPositionsPerWord && lastPosition != position)
            {
                if (more is null) words[slot] = (w, firstPosition, more = new List<int>(2));
                more.Add(position);
            }
        }

        var sb = new StringBuilder(chars + (words.Count * 10));
        foreach (var (word, firstPosition, more) in words)
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append('\'').Append(word).Append("':").Append(CultureInfo.InvariantCulture, $"{firstPosition}");
            if (more is null) continue;
            foreach (int p in more) sb.Append(',').Append(CultureInfo.InvariantCulture, $"{p}");
        }

        return sb.ToString();
    }

    /// <summary>Splits search text into distinct lower-cased words, in order, at most <see cref="MaxQueryWords"/>.</summary>
    /// <param name="text">The search text.</param>
    /// <returns>The words.</returns>
    internal static string[] QueryWords(string? text)
    {
        var words = SearchTokenizer.Words(text, MaxQueryWords);
        for (int i = 0; i < words.Length; i++) words[i] = words[i].ToLowerInvariant();
        return [.. words.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Builds the <c>tsquery</c> text: every word required, the last one also as a prefix.</summary>
    /// <param name="words">Words of letters and digits only, so no tsquery syntax can be injected.</param>
    /// <returns>The <c>tsquery</c> input text (cast with <c>::tsquery</c>: the words go in as they are, as <see cref="SearchVector"/> stores them).</returns>
    internal static string TsQuery(string[] words)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < words.Length; i++)
        {
            if (i > 0) sb.Append(" & ");
            sb.Append('\'').Append(words[i]).Append('\'');
            if (i == words.Length - 1) sb.Append(":*");
        }

        return sb.ToString();
    }

    private async IAsyncEnumerable<SessionSearchHit> SearchCoreAsync(SessionSearchQuery query, string[] words, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (query.Take == 0) yield break;

        // A word longer than a lexeme can be is in no index (SearchVector skips it, as to_tsvector did): nothing matches it.
        if (Array.Exists(words, w => w.Length > MaxWordBytes / 3 && Encoding.UTF8.GetByteCount(w) > MaxWordBytes)) yield break;
        var hits = await SearchPageAsync(query, words, cancellationToken).ConfigureAwait(false);
        foreach (var hit in hits)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return hit;
        }
    }

    private async Task<List<SessionSearchHit>> SearchPageAsync(SessionSearchQuery query, string[] words, CancellationToken cancellationToken)
    {
        var parameters = new List<NpgsqlParameter>();
        string Arg(NpgsqlParameter parameter)
        {
            parameters.Add(parameter);
            return "$" + parameters.Count.ToString(CultureInfo.InvariantCulture);
        }

        string tsQuery = Arg(Text(TsQuery(words)));
        var sessionFilter = new StringBuilder();
        if (query.Tags.Count > 0)
        {
            sessionFilter.Append(" AND s.tags_norm @> ").Append(Arg(TextArray([.. query.Tags.Select(t => Normalize(t ?? string.Empty))])));
        }

        if (query.Kind is { } kind) sessionFilter.Append(" AND s.kind_norm = ").Append(Arg(Text(Normalize(kind.Value))));
        if (query.ProviderName is { } provider) sessionFilter.Append(" AND s.provider_norm = ").Append(Arg(Text(Normalize(provider))));
        string from = query.From is { } f ? Arg(BigInt(f.UtcTicks)) : string.Empty;
        string to = query.To is { } t ? Arg(BigInt(t.UtcTicks)) : string.Empty;
        string Window(string column) =>
            (from.Length > 0 ? $" AND {column} >= {from}" : string.Empty) + (to.Length > 0 ? $" AND {column} < {to}" : string.Empty);

        string titleHits = query.IncludeTitles
            ? $"""
                UNION ALL
                SELECT s.id, NULL::bigint, NULL::text, s.updated_ticks, ts_rank(s.title_tsv, q.query)::float8 * {TitleBoost.ToString(CultureInfo.InvariantCulture)}
                FROM {_sessions} s, q
                WHERE s.title_tsv @@ q.query{sessionFilter}{Window("s.updated_ticks")}
              """
            : string.Empty;
        string limit = Arg(BigInt(query.Take));
        string offset = Arg(BigInt(query.Skip));
        string options = Arg(Text($"StartSel={StartSentinel}, StopSel={StopSentinel}, MaxWords=24, MinWords=8, ShortWord=0, MaxFragments=2, FragmentDelimiter=\" … \""));
        string sql = $"""
            WITH q AS (SELECT {tsQuery}::tsquery AS query),
            hits AS (
                SELECT m.session_id, m.seq, m.role, m.ts_ticks, ts_rank(m.tsv, q.query)::float8 AS score
                FROM {_messages} m JOIN {_sessions} s ON s.id = m.session_id, q
                WHERE m.tsv @@ q.query{sessionFilter}{Window("m.ts_ticks")}
                {titleHits}
            ),
            page AS (
                SELECT * FROM hits
                ORDER BY score DESC, ts_ticks DESC, session_id COLLATE "C" ASC, seq ASC NULLS FIRST
                LIMIT {limit} OFFSET {offset}
            )
            SELECT p.session_id, p.seq, p.role, p.ts_ticks, p.score, s.title,
                ts_headline('simple'::regconfig,
                    regexp_replace(translate(coalesce(m.content, s.title), '{StartSentinel}{StopSentinel}', ''), '[[:cntrl:]]+', ' ', 'g'),
                    q.query, {options})
            FROM page p JOIN {_sessions} s ON s.id = p.session_id
                LEFT JOIN {_messages} m ON m.session_id = p.session_id AND m.seq = p.seq, q
            ORDER BY p.score DESC, p.ts_ticks DESC, p.session_id COLLATE "C" ASC, p.seq ASC NULLS FIRST
            """;

        return await RunAsync("search sessions", null, async connection =>
        {
            var result = new List<SessionSearchHit>();
            using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddRange(parameters.ToArray());
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Add(new SessionSearchHit
                {
                    SessionId = reader.GetString(0),
                    Sequence = reader.IsDBNull(1) ? null : reader.GetInt64(1),
                    Role = reader.IsDBNull(2) ? null : reader.GetString(2),
                    Timestamp = new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero),
                    Score = reader.GetDouble(4),
                    SessionTitle = reader.GetString(5),
                    Snippet = Highlight(reader.GetString(6), query.HighlightStart, query.HighlightEnd),
                });
            }

            return result;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static string Highlight(string headline, string start, string end) =>
        headline.Trim().Replace(StartSentinel.ToString(), start ?? string.Empty, StringComparison.Ordinal)
            .Replace(StopSentinel.ToString(), end ?? string.Empty, StringComparison.Ordinal);
}
