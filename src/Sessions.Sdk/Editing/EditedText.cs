using System.Buffers;
using System.Text;

namespace Sessions.Sdk;

/// <summary>
/// A file's text while a batch's operations are worked out: the original text plus replaced ranges, sorted and never touching.
/// An operation changes ranges instead of copying the whole text, and the result is built once by <see cref="Build"/>.
/// </summary>
/// <remarks>
/// Every operation still sees the text as changed by the earlier ones (line numbers, old text), exactly as if each were applied to a
/// copy in turn: positions are in the current text, searches cover text the earlier operations wrote, and ranges that touch merge.
/// </remarks>
internal sealed class EditedText
{
    private List<Edit> _edits = [];
    private int[] _shift = [0];
    private Dictionary<string, List<int>>? _originalMatches;

    public EditedText(string original)
    {
        Original = original;
        var newlines = new List<int>(original.Length / 32 + 1);
        for (int i = original.IndexOf('\n', StringComparison.Ordinal); i >= 0; i = original.IndexOf('\n', i + 1))
        {
            newlines.Add(i);
        }

        Newlines = [.. newlines];
        Length = original.Length;
        NewlineCount = Newlines.Length;
    }

    /// <summary>Gets the text before any operation.</summary>
    public string Original { get; }

    /// <summary>Gets the positions of every <c>\n</c> of <see cref="Original"/>, ascending.</summary>
    public int[] Newlines { get; }

    /// <summary>Gets the replaced ranges of <see cref="Original"/>, ascending; between two of them is at least one original character.</summary>
    public IReadOnlyList<Edit> Edits => _edits;

    /// <summary>Gets the length of the current text.</summary>
    public int Length { get; private set; }

    /// <summary>Gets the number of <c>\n</c> in the current text.</summary>
    public int NewlineCount { get; private set; }

    /// <summary>Gets the number of lines of the current text (a last line without a break counts).</summary>
    public int LineCount => Length > 0 && CharAt(Length - 1) != '\n' ? NewlineCount + 1 : NewlineCount;

    /// <summary>Gets a value indicating whether the current text ends with <c>\n</c>.</summary>
    public bool EndsWithNewline => Length > 0 && CharAt(Length - 1) == '\n';

    /// <summary>Counts the lines of a text as <see cref="LineCount"/> does.</summary>
    public static int CountLines(string text)
    {
        int count = text.AsSpan().Count('\n');
        return text.Length > 0 && !text.EndsWith('\n') ? count + 1 : count;
    }

    /// <summary>Builds the current text.</summary>
    public string Build()
    {
        if (_edits.Count == 0)
        {
            return Original;
        }

        var sb = new StringBuilder(Length);
        AppendRange(sb, 0, Length);
        return sb.ToString();
    }

    /// <summary>Returns the position in the current text where line <paramref name="line"/> (from 1, at most the line count) starts.</summary>
    public int LineStart(int line)
    {
        int wanted = line - 1;
        if (wanted <= 0)
        {
            return 0;
        }

        int origFrom = 0;
        for (int i = 0; i <= _edits.Count; i++)
        {
            int origTo = i < _edits.Count ? _edits[i].Start : Original.Length;
            int first = LowerBound(Newlines, origFrom);
            int inGap = LowerBound(Newlines, origTo) - first;
            if (wanted <= inGap)
            {
                return Newlines[first + wanted - 1] + 1 + _shift[i];
            }

            wanted -= inGap;
            if (i == _edits.Count)
            {
                break;
            }

            var edit = _edits[i];
            if (wanted <= edit.TextNewlines)
            {
                int at = -1;
                for (int n = 0; n < wanted; n++)
                {
                    at = edit.Text.IndexOf('\n', at + 1);
                }

                return edit.Start + _shift[i] + at + 1;
            }

            wanted -= edit.TextNewlines;
            origFrom = edit.End;
        }

        return Length;
    }

    /// <summary>Finds every occurrence of several values in the original text in one pass, so <see cref="FindAll"/> need not scan it once per value.</summary>
    public void PrepareSearch(IReadOnlyCollection<string> values)
    {
        if (values.Count < 2)
        {
            return;
        }

        _originalMatches = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var byFirst = new Dictionary<char, List<string>>();
        foreach (var value in values)
        {
            if (value.Length > 0 && _originalMatches.TryAdd(value, []))
            {
                (byFirst.TryGetValue(value[0], out var list) ? list : byFirst[value[0]] = []).Add(value);
            }
        }

        var any = SearchValues.Create([.. _originalMatches.Keys], StringComparison.Ordinal);
        var text = Original.AsSpan();
        for (int at = 0; at < text.Length;)
        {
            int found = text[at..].IndexOfAny(any);
            if (found < 0)
            {
                break;
            }

            at += found;
            foreach (var value in byFirst[text[at]])
            {
                if (text[at..].StartsWith(value, StringComparison.Ordinal))
                {
                    _originalMatches[value].Add(at);
                }
            }

            at++;
        }
    }

    /// <summary>Returns every position where <paramref name="value"/> starts in the current text, overlapping ones included, ascending.</summary>
    public List<int> FindAll(string value)
    {
        int length = value.Length;
        var found = new List<int>();

        // Occurrences in original text that no replaced range cuts.
        if (_originalMatches is not null && _originalMatches.TryGetValue(value, out var matches))
        {
            foreach (int a in matches)
            {
                AddIfIntact(found, a, length);
            }
        }
        else
        {
            for (int a = Original.IndexOf(value, StringComparison.Ordinal); a >= 0; a = Original.IndexOf(value, a + 1, StringComparison.Ordinal))
            {
                AddIfIntact(found, a, length);
            }
        }

        // Occurrences that overlap a replaced range's text, or span the seam a deletion left.
        int before = found.Count;
        var window = new StringBuilder();
        for (int j = 0; j < _edits.Count; j++)
        {
            int kStart = _edits[j].Start + _shift[j], kEnd = kStart + _edits[j].Text.Length;
            int from = Math.Max(0, kStart - (length - 1)), to = Math.Min(Length, kEnd + (length - 1));
            if (to - from < length)
            {
                continue;
            }

            window.Clear();
            AppendRange(window, from, to);
            string text = window.ToString();
            for (int q = text.IndexOf(value, StringComparison.Ordinal); q >= 0; q = text.IndexOf(value, q + 1, StringComparison.Ordinal))
            {
                int p = from + q;
                if (p < kEnd && p + length > kStart)
                {
                    found.Add(p);
                }
            }
        }

        if (found.Count > before)
        {
            found.Sort();
            int w = 1;
            for (int r = 1; r < found.Count; r++)
            {
                if (found[r] != found[w - 1])
                {
                    found[w++] = found[r];
                }
            }

            found.RemoveRange(w, found.Count - w);
        }

        return found;
    }

    /// <summary>Replaces ranges of the current text; <paramref name="ranges"/> are ascending and do not overlap (they may touch).</summary>
    public void Replace(IReadOnlyList<(int From, int To, string Text)> ranges)
    {
        if (ranges.Count == 0)
        {
            return;
        }

        var result = new List<Edit>(_edits.Count + ranges.Count);
        var sb = new StringBuilder();
        int ei = 0, ri = 0;
        while (ri < ranges.Count)
        {
            // Edits wholly before the next range (not touching it) stay as they are.
            while (ei < _edits.Count && KEnd(ei) < ranges[ri].From)
            {
                result.Add(_edits[ei++]);
            }

            // One cluster: the range and every edit and range touching it, transitively.
            int firstEdit = ei;
            int from = ei < _edits.Count ? Math.Min(KStart(ei), ranges[ri].From) : ranges[ri].From;
            int to = ranges[ri].To;
            int firstRange = ri++;
            while (true)
            {
                if (ei < _edits.Count && KStart(ei) <= to)
                {
                    to = Math.Max(to, KEnd(ei++));
                }
                else if (ri < ranges.Count && ranges[ri].From <= to)
                {
                    to = Math.Max(to, ranges[ri++].To);
                }
                else
                {
                    break;
                }
            }

            sb.Clear();
            int cursor = from;
            for (int r = firstRange; r < ri; r++)
            {
                AppendRange(sb, cursor, ranges[r].From);
                sb.Append(ranges[r].Text);
                cursor = ranges[r].To;
            }

            AppendRange(sb, cursor, to);
            string text = sb.ToString();
            result.Add(new Edit(from - _shift[firstEdit], to - _shift[ei], text, text.AsSpan().Count('\n')));
        }

        while (ei < _edits.Count)
        {
            result.Add(_edits[ei++]);
        }

        _edits = result;
        _shift = new int[result.Count + 1];
        int newlines = Newlines.Length;
        for (int i = 0; i < result.Count; i++)
        {
            var edit = result[i];
            _shift[i + 1] = _shift[i] + edit.Text.Length - (edit.End - edit.Start);
            newlines += edit.TextNewlines - (LowerBound(Newlines, edit.End) - LowerBound(Newlines, edit.Start));
        }

        Length = Original.Length + _shift[result.Count];
        NewlineCount = newlines;
    }

    /// <summary>Replaces one range of the current text.</summary>
    public void Replace(int from, int to, string text) => Replace([(from, to, text)]);

    /// <summary>Appends the current text's characters <paramref name="from"/> to <paramref name="to"/> (exclusive).</summary>
    public void AppendRange(StringBuilder sb, int from, int to)
    {
        int pos = from;
        int i = FirstKEndAfter(pos);
        while (pos < to)
        {
            if (i < _edits.Count && KStart(i) <= pos)
            {
                int take = Math.Min(to, KEnd(i)) - pos;
                sb.Append(_edits[i].Text, pos - KStart(i), take);
                pos += take;
                i++;
            }
            else
            {
                int gapEnd = i < _edits.Count ? Math.Min(to, KStart(i)) : to;
                sb.Append(Original, pos - _shift[i], gapEnd - pos);
                pos = gapEnd;
            }
        }
    }

    /// <summary>Returns the index of the first <c>int</c> in <paramref name="sorted"/> that is at least <paramref name="value"/>.</summary>
    public static int LowerBound(int[] sorted, int value)
    {
        int i = Array.BinarySearch(sorted, value);
        return i >= 0 ? i : ~i;
    }

    private void AddIfIntact(List<int> found, int a, int length)
    {
        int j = FirstEndingAfter(a);
        if (j == _edits.Count || _edits[j].Start >= a + length)
        {
            found.Add(a + _shift[j]);
        }
    }

    private char CharAt(int position)
    {
        int i = FirstKEndAfter(position);
        return i < _edits.Count && KStart(i) <= position ? _edits[i].Text[position - KStart(i)] : Original[position - _shift[i]];
    }

    private int KStart(int i) => _edits[i].Start + _shift[i];

    private int KEnd(int i) => _edits[i].Start + _shift[i] + _edits[i].Text.Length;

    /// <summary>The first edit whose text ends after current position <paramref name="position"/>.</summary>
    private int FirstKEndAfter(int position)
    {
        int lo = 0, hi = _edits.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (KEnd(mid) > position)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    /// <summary>The first edit whose original range ends after original position <paramref name="position"/>.</summary>
    private int FirstEndingAfter(int position)
    {
        int lo = 0, hi = _edits.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_edits[mid].End > position)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    /// <summary>Original characters <see cref="Start"/> to <see cref="End"/> (exclusive) replaced with <see cref="Text"/>.</summary>
    internal readonly record struct Edit(int Start, int End, string Text, int TextNewlines);
}
