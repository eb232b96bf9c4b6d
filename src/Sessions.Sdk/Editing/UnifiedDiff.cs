using System.Text;
using DiffPlex;

namespace Sessions.Sdk;

/// <summary>
/// Renders a unified diff of an edited text (lines keep their breaks, so a missing final break shows). Only the changed regions are
/// diffed, each with DiffPlex's line differ: a region is the whole lines around a group of replaced ranges; the lines between
/// regions are unchanged by construction, so diffing them would only cost time.
/// </summary>
internal static class UnifiedDiff
{
    private static readonly LineChunker Chunker = new();

    public static (string Diff, int Added, int Removed) Render(string path, EditFileChange change, EditedText text, int context)
    {
        var blocks = Blocks(text);
        string original = text.Original;
        int[] newlines = text.Newlines;
        int oldCount = EditedText.CountLines(original);
        var sb = new StringBuilder();
        sb.Append("--- ").Append(change == EditFileChange.Create ? "/dev/null" : "a/" + path).Append('\n');
        sb.Append("+++ ").Append(change == EditFileChange.Delete ? "/dev/null" : "b/" + path).Append('\n');
        int added = 0, removed = 0;
        for (int i = 0; i < blocks.Count;)
        {
            int j = i;
            while (j + 1 < blocks.Count && blocks[j + 1].DeleteStartA - (blocks[j].DeleteStartA + blocks[j].DeleteCountA) <= 2 * context)
            {
                j++;
            }

            int lead = Math.Min(context, blocks[i].DeleteStartA);
            int aStart = blocks[i].DeleteStartA - lead, bStart = blocks[i].InsertStartB - lead;
            int aBlockEnd = blocks[j].DeleteStartA + blocks[j].DeleteCountA;
            int trail = Math.Min(context, oldCount - aBlockEnd);
            int aCount = aBlockEnd + trail - aStart;
            int bCount = blocks[j].InsertStartB + blocks[j].InsertCountB + trail - bStart;
            sb.Append("@@ -").Append(Range(aStart, aCount)).Append(" +").Append(Range(bStart, bCount)).Append(" @@\n");
            int cursor = aStart;
            for (int k = i; k <= j; k++)
            {
                var block = blocks[k];
                for (; cursor < block.DeleteStartA; cursor++)
                {
                    Line(sb, ' ', OldLine(original, newlines, cursor));
                }

                for (int d = 0; d < block.DeleteCountA; d++)
                {
                    Line(sb, '-', OldLine(original, newlines, block.DeleteStartA + d));
                }

                for (int n = 0; n < block.InsertCountB; n++)
                {
                    Line(sb, '+', block.Inserted[block.InsertedOffset + n]);
                }

                removed += block.DeleteCountA;
                added += block.InsertCountB;
                cursor = block.DeleteStartA + block.DeleteCountA;
            }

            for (; cursor < aBlockEnd + trail; cursor++)
            {
                Line(sb, ' ', OldLine(original, newlines, cursor));
            }

            i = j + 1;
        }

        return (sb.ToString(), added, removed);
    }

    /// <summary>Diffs each changed region (whole lines in both texts) and returns the blocks with line numbers of the whole texts.</summary>
    private static List<Block> Blocks(EditedText text)
    {
        string original = text.Original;
        int[] newlines = text.Newlines;
        var edits = text.Edits;
        var blocks = new List<Block>();
        var sb = new StringBuilder();
        int lineDelta = 0;
        for (int i = 0; i < edits.Count;)
        {
            int lineA = EditedText.LowerBound(newlines, edits[i].Start);
            int a = lineA == 0 ? 0 : newlines[lineA - 1] + 1;
            int j = i, b = edits[i].End;
            string oldRegion, newRegion;
            while (true)
            {
                while (j + 1 < edits.Count && LineStartAt(newlines, edits[j + 1].Start) <= b)
                {
                    j++;
                    b = Math.Max(b, edits[j].End);
                }

                sb.Clear();
                int cursor = a;
                for (int k = i; k <= j; k++)
                {
                    sb.Append(original, cursor, edits[k].Start - cursor).Append(edits[k].Text);
                    cursor = edits[k].End;
                }

                sb.Append(original, cursor, b - cursor);
                oldRegion = original[a..b];
                newRegion = sb.ToString();
                if (b == original.Length || (EndsAtLine(oldRegion) && EndsAtLine(newRegion)))
                {
                    break;
                }

                int next = original.IndexOf('\n', b);
                b = next < 0 ? original.Length : next + 1;
            }

            var result = Differ.Instance.CreateDiffs(oldRegion, newRegion, ignoreWhiteSpace: false, ignoreCase: false, Chunker);
            int lineB = lineA + lineDelta;
            foreach (var block in result.DiffBlocks)
            {
                blocks.Add(new Block(lineA + block.DeleteStartA, block.DeleteCountA, lineB + block.InsertStartB, block.InsertCountB, result.PiecesNew, block.InsertStartB));
            }

            lineDelta += result.PiecesNew.Count - result.PiecesOld.Count;
            i = j + 1;
        }

        return blocks;
    }

    private static bool EndsAtLine(string region) => region.Length == 0 || region[^1] == '\n';

    private static int LineStartAt(int[] newlines, int position)
    {
        int line = EditedText.LowerBound(newlines, position);
        return line == 0 ? 0 : newlines[line - 1] + 1;
    }

    private static string OldLine(string original, int[] newlines, int line)
    {
        int start = line == 0 ? 0 : newlines[line - 1] + 1;
        int end = line < newlines.Length ? newlines[line] + 1 : original.Length;
        return original[start..end];
    }

    private static string Range(int start, int count) => count switch
    {
        0 => $"{start},0",
        1 => $"{start + 1}",
        _ => $"{start + 1},{count}",
    };

    private static void Line(StringBuilder sb, char prefix, string line)
    {
        sb.Append(prefix).Append(line);
        if (!line.EndsWith('\n'))
        {
            sb.Append("\n\\ No newline at end of file\n");
        }
    }

    /// <summary>A run of removed and added lines, numbered in the whole old and new texts.</summary>
    private readonly record struct Block(int DeleteStartA, int DeleteCountA, int InsertStartB, int InsertCountB, IReadOnlyList<string> Inserted, int InsertedOffset);

    /// <summary>Splits text into lines that keep their \n, so "x" and "x\n" differ.</summary>
    private sealed class LineChunker : IChunker
    {
        public IReadOnlyList<string> Chunk(string text)
        {
            if (text.Length == 0)
            {
                return [];
            }

            var lines = new List<string>(text.Length / 32 + 1);
            int start = 0;
            for (int i = text.IndexOf('\n', StringComparison.Ordinal); i >= 0; i = text.IndexOf('\n', start))
            {
                lines.Add(text[start..(i + 1)]);
                start = i + 1;
            }

            if (start < text.Length)
            {
                lines.Add(text[start..]);
            }

            return lines;
        }
    }
}
