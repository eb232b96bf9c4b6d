using System.Globalization;
using System.Text;

namespace Sessions.Cli;

/// <summary>
/// The tool's tables: columns aligned by display width (wide East Asian characters and emoji take two columns, combining marks
/// none), a rounded box with a bold header on a terminal, plain columns under a rule otherwise.
/// </summary>
/// <remarks>
/// Written by hand rather than with Spectre.Console: a first Spectre table costs a new process about 50 ms (its generic code
/// is compiled at run time), which was most of a <c>sessions list</c>. Spectre.Console stays for spinners, status and markup.
/// </remarks>
internal sealed class TextTable
{
    /// <summary>On a terminal, a cell wider than this is cut with an ellipsis so rows stay on one line.</summary>
    internal const int TerminalCellWidth = 60;

    private readonly string[]? _headers;
    private readonly bool[] _rightAligned;
    private readonly List<string[]> _rows = [];

    /// <summary>A table with a header row.</summary>
    public TextTable(params string[] headers)
    {
        _headers = headers;
        _rightAligned = new bool[headers.Length];
    }

    private TextTable(int columns)
    {
        _rightAligned = new bool[columns];
    }

    public int Columns => _rightAligned.Length;

    /// <summary>A table without a header row (name/value lists).</summary>
    public static TextTable WithoutHeaders(int columns) => new(columns);

    /// <summary>Aligns a column's cells (numbers) to the right.</summary>
    public TextTable AlignRight(params int[] columns)
    {
        foreach (int column in columns) _rightAligned[column] = true;
        return this;
    }

    public void AddRow(params string?[] cells)
    {
        if (cells.Length != Columns) throw new ArgumentException($"A row needs {Columns} cells; {cells.Length} were given.", nameof(cells));
        var row = new string[cells.Length];
        for (int i = 0; i < cells.Length; i++) row[i] = SingleLine(cells[i]);
        _rows.Add(row);
    }

    /// <summary>Writes the table: boxed with a bold header when <paramref name="terminal"/> (colours allowed), plain otherwise.</summary>
    public void Write(TextWriter output, bool terminal)
    {
        var lines = new List<string[]>(_rows.Count + 1);
        if (_headers is not null) lines.Add(Array.ConvertAll(_headers, SingleLine));
        lines.AddRange(_rows);
        if (terminal)
        {
            for (int n = 0; n < lines.Count; n++) lines[n] = Array.ConvertAll(lines[n], static cell => Cut(cell, TerminalCellWidth));
        }

        var widths = new int[Columns];
        foreach (var line in lines)
        {
            for (int i = 0; i < line.Length; i++) widths[i] = Math.Max(widths[i], Width(line[i]));
        }

        var sb = new StringBuilder();
        if (terminal)
        {
            Rule(sb, widths, '╭', '┬', '╮');
            for (int n = 0; n < lines.Count; n++)
            {
                bool header = _headers is not null && n == 0;
                sb.Append('│');
                for (int i = 0; i < Columns; i++)
                {
                    sb.Append(' ');
                    if (header) sb.Append("\u001b[1m");
                    Pad(sb, lines[n][i], widths[i], _rightAligned[i] && !header);
                    if (header) sb.Append("\u001b[0m");
                    sb.Append(" │");
                }

                sb.Append('\n');
                if (header) Rule(sb, widths, '├', '┼', '┤');
            }

            Rule(sb, widths, '╰', '┴', '╯');
        }
        else
        {
            for (int n = 0; n < lines.Count; n++)
            {
                bool header = _headers is not null && n == 0;
                var line = new StringBuilder();
                for (int i = 0; i < Columns; i++)
                {
                    if (i > 0) line.Append("  ");
                    Pad(line, lines[n][i], widths[i], _rightAligned[i] && !header);
                }

                sb.Append(line.ToString().TrimEnd()).Append('\n');
                if (header)
                {
                    for (int i = 0; i < Columns; i++)
                    {
                        if (i > 0) sb.Append("  ");
                        sb.Append('─', widths[i]);
                    }

                    sb.Append('\n');
                }
            }
        }

        output.Write(sb.ToString());
    }

    /// <summary>How many terminal columns a text takes.</summary>
    internal static int Width(string text)
    {
        int width = 0;
        foreach (var rune in text.EnumerateRunes()) width += Width(rune);
        return width;
    }

    private static int Width(Rune rune)
    {
        switch (Rune.GetUnicodeCategory(rune))
        {
            case UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format:
                return 0;
        }

        int c = rune.Value;
        bool wide = c is (>= 0x1100 and <= 0x115F) or (>= 0x2E80 and <= 0x303E) or (>= 0x3041 and <= 0x33FF) or (>= 0x3400 and <= 0x4DBF)
            or (>= 0x4E00 and <= 0x9FFF) or (>= 0xA000 and <= 0xA4CF) or (>= 0xAC00 and <= 0xD7A3) or (>= 0xF900 and <= 0xFAFF)
            or (>= 0xFE30 and <= 0xFE4F) or (>= 0xFF00 and <= 0xFF60) or (>= 0xFFE0 and <= 0xFFE6) or (>= 0x1F300 and <= 0x1F64F)
            or (>= 0x1F900 and <= 0x1F9FF) or (>= 0x20000 and <= 0x3FFFD);
        return wide ? 2 : 1;
    }

    /// <summary>Control characters (line breaks, tabs) would break the row: each becomes a space.</summary>
    private static string SingleLine(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        int first = 0;
        while (first < text.Length && !char.IsControl(text[first])) first++;
        if (first == text.Length) return text;
        var chars = text.ToCharArray();
        for (int i = first; i < chars.Length; i++)
        {
            if (char.IsControl(chars[i])) chars[i] = ' ';
        }

        return new string(chars);
    }

    private static string Cut(string text, int max)
    {
        if (Width(text) <= max) return text;
        var sb = new StringBuilder();
        int width = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            int w = Width(rune);
            if (width + w > max - 1) break;
            sb.Append(rune.ToString());
            width += w;
        }

        return sb.Append('…').ToString();
    }

    private static void Pad(StringBuilder sb, string text, int width, bool right)
    {
        int padding = width - Width(text);
        if (right) sb.Append(' ', padding);
        sb.Append(text);
        if (!right) sb.Append(' ', padding);
    }

    private static void Rule(StringBuilder sb, int[] widths, char left, char middle, char right)
    {
        sb.Append(left);
        for (int i = 0; i < widths.Length; i++)
        {
            if (i > 0) sb.Append(middle);
            sb.Append('─', widths[i] + 2);
        }

        sb.Append(right).Append('\n');
    }
}
