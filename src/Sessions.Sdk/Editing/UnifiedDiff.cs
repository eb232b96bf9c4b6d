using System.Text;
using DiffPlex;
using DiffPlex.Model;

namespace Sessions.Sdk;

/// <summary>Renders a unified diff of two texts with DiffPlex's line differ (lines keep their breaks, so a missing final break shows).</summary>
internal static class UnifiedDiff
{
    private static readonly LineChunker Chunker = new();

    public static (string Diff, int Added, int Removed) Render(string path, EditFileChange change, string oldText, string newText, int context)
    {
        var result = Differ.Instance.CreateDiffs(oldText, newText, ignoreWhiteSpace: false, ignoreCase: false, Chunker);
        var a = result.PiecesOld;
        var b = result.PiecesNew;
        var blocks = result.DiffBlocks;
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
            int trail = Math.Min(context, a.Count - aBlockEnd);
            int aCount = aBlockEnd + trail - aStart;
            int bCount = blocks[j].InsertStartB + blocks[j].InsertCountB + trail - bStart;
            sb.Append("@@ -").Append(Range(aStart, aCount)).Append(" +").Append(Range(bStart, bCount)).Append(" @@\n");
            int cursor = aStart;
            for (int k = i; k <= j; k++)
            {
                var block = blocks[k];
                for (; cursor < block.DeleteStartA; cursor++)
                {
                    Line(sb, ' ', a[cursor]);
                }

                for (int d = 0; d < block.DeleteCountA; d++)
                {
                    Line(sb, '-', a[block.DeleteStartA + d]);
                }

                for (int n = 0; n < block.InsertCountB; n++)
                {
                    Line(sb, '+', b[block.InsertStartB + n]);
                }

                removed += block.DeleteCountA;
                added += block.InsertCountB;
                cursor = block.DeleteStartA + block.DeleteCountA;
            }

            for (; cursor < aBlockEnd + trail; cursor++)
            {
                Line(sb, ' ', a[cursor]);
            }

            i = j + 1;
        }

        return (sb.ToString(), added, removed);
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
