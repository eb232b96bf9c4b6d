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

    /// <summary>Returns the words of a text as the index stores them: maximal runs of letters and digits, lower-cased, space-separated.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The words joined by single spaces.</returns>
    internal static string SearchWords(string text)
    {
        var sb = new StringBuilder(text.Length);
        int i = 0;
        while (NextWord(text, ref i, out int start, out int length))
        {
            if (sb.Length > 0) sb.Append(' ');
            var word = text.AsSpan(start, length);
            foreach (char c in word) sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }

    /// <summary>Splits search text into distinct lower-cased words, in order, at most <see cref="MaxQueryWords"/>.</summary>
    /// <param name="text">The search text.</param>
    /// <returns>The words.</returns>
    internal static string[] QueryWords(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var words = new List<string>();
        int i = 0;
        while (words.Count < MaxQueryWords && NextWord(text, ref i, out int start, out int length))
        {
            string word = text.Substring(start, length).ToLowerInvariant();
            if (!words.Contains(word, StringComparer.Ordinal)) words.Add(word);
        }

        return [.. words];
    }

    /// <summary>Builds the <c>tsquery</c> text: every word required, the last one also as a prefix.</summary>
    /// <param name="words">Words of letters and digits only, so no tsquery syntax can be injected.</param>
    /// <returns>The query text for <c>to_tsquery</c>.</returns>
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

    private static bool NextWord(string text, ref int index, out int start, out int length)
    {
        while (index < text.Length && !IsWordChar(text, index)) index++;
        start = index;
        while (index < text.Length && IsWordChar(text, index)) index++;
        length = index - start;
        return length > 0;
    }

    private static bool IsWordChar(string text, int index) => char.IsLetterOrDigit(text[index]);

    private async IAsyncEnumerable<SessionSearchHit> SearchCoreAsync(SessionSearchQuery query, string[] words, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (query.Take == 0) yield break;
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
            WITH q AS (SELECT to_tsquery('simple'::regconfig, {tsQuery}) AS query),
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
