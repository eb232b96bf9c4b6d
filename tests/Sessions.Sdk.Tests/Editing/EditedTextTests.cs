using System.Text;
using DiffPlex;

namespace Sessions.Sdk.Tests;

/// <summary>
/// The single-pass text engine (<see cref="EditedText"/>) and the region diff against the reference they replaced: each operation
/// applied to a copy of the whole text in turn, and DiffPlex over the whole file. Random operations over small alphabets make
/// overlaps, self-overlapping patterns, matches inside earlier replacements and operations at range edges common.
/// </summary>
public sealed class EditedTextTests
{
    private static readonly string[] Pieces = ["a", "b", "ab", "\n", "a\n", "ba", "aa", "\n\n", "x"];

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(5)]
    public void ApplyText_RandomOperations_MatchTheSequentialReference(int seed)
    {
        var random = new Random(seed);
        int compared = 0, failures = 0;
        for (int round = 0; round < 400; round++)
        {
            string original = RandomText(random, random.Next(0, 30));
            string reference = original;
            var text = new EditedText(original);
            if (round % 2 == 0)
            {
                // Half the rounds search the original through the one-pass index (PrepareSearch), the others scan it per value.
                text.PrepareSearch(Pieces);
            }

            int count = random.Next(1, 8);
            for (int n = 0; n < count; n++)
            {
                var op = RandomOperation(random, reference);
                string? expectedError = null;
                try
                {
                    reference = Reference.Apply(reference, op);
                }
                catch (EditPreconditionException ex)
                {
                    expectedError = ex.Message;
                }

                string? actualError = null;
                try
                {
                    EditPlanner.ApplyText("f.txt", text, op, EditTextCodec.NewFile);
                }
                catch (EditPreconditionException ex)
                {
                    actualError = ex.Message;
                }

                Assert.That(actualError, Is.EqualTo(expectedError), $"round {round}, {op} on \"{Escape(original)}\"");
                if (expectedError is not null)
                {
                    failures++;
                    break;
                }

                Assert.That(text.Build(), Is.EqualTo(reference), $"round {round}, after {op} on \"{Escape(original)}\"");
                Assert.That(text.LineCount, Is.EqualTo(EditedText.CountLines(reference)));
                compared++;
            }

            // Whatever the line alignment, the diff must turn the old text into the new one and count what it shows.
            var (diff, added, removed) = UnifiedDiff.Render("f.txt", EditFileChange.Modify, text, context: 3);
            Assert.That(Patch(original, diff), Is.EqualTo(text.Build()), $"round {round}: the diff does not patch \"{Escape(original)}\"\n{diff}");
            Assert.That(added, Is.EqualTo(diff.Split('\n').Count(l => l.StartsWith('+') && !l.StartsWith("+++", StringComparison.Ordinal))));
            Assert.That(removed, Is.EqualTo(diff.Split('\n').Count(l => l.StartsWith('-') && !l.StartsWith("---", StringComparison.Ordinal))));
        }

        Assert.That(compared, Is.GreaterThan(500));
        Assert.That(failures, Is.GreaterThan(20), "errors are compared too");
    }

    [TestCase(11)]
    [TestCase(12)]
    [TestCase(13)]
    public void Render_DistinctLines_MatchesWholeFileDiffPlex(int seed)
    {
        var random = new Random(seed);
        for (int round = 0; round < 150; round++)
        {
            int lines = random.Next(0, 60);
            string original = string.Concat(Enumerable.Range(0, lines).Select(i => $"line {i}\n")) + (random.Next(3) == 0 ? "tail" : "");
            var text = new EditedText(original);
            string reference = original;
            for (int n = random.Next(1, 6); n > 0; n--)
            {
                int count = EditedText.CountLines(reference);
                int pick = random.Next(count + 1);
                EditOperation op = random.Next(5) switch
                {
                    0 when count > 0 => EditOperation.Replace("f.txt", $"line {UniqueLine(reference, random)}\n", $"changed {round}-{n}\nand more {n}\n"),
                    1 when count > 0 => EditOperation.Delete("f.txt", Math.Max(1, pick), Math.Min(count, Math.Max(1, pick) + random.Next(3))),
                    2 => EditOperation.Append("f.txt", $"appended {n}\n"),
                    3 => EditOperation.Prepend("f.txt", $"first {n}\n"),
                    _ => EditOperation.Insert("f.txt", pick + 1, $"inserted {round}-{n}\n"),
                };
                try
                {
                    reference = Reference.Apply(reference, op);
                }
                catch (EditPreconditionException)
                {
                    continue;
                }

                EditPlanner.ApplyText("f.txt", text, op, EditTextCodec.NewFile);
            }

            Assert.That(text.Build(), Is.EqualTo(reference));
            var actual = UnifiedDiff.Render("f.txt", EditFileChange.Modify, text, context: 3);
            var expected = Reference.Render("f.txt", original, reference, context: 3);
            Assert.That(actual, Is.EqualTo(expected), $"round {round} on \"{Escape(original)}\"");
        }
    }

    [Test]
    public void Replace_ThousandsOfOccurrences_AreReplacedInOnePass()
    {
        string original = string.Concat(Enumerable.Repeat("alpha beta\n", 20_000));
        var text = new EditedText(original);
        EditPlanner.ApplyText("f.txt", text, EditOperation.Replace("f.txt", "beta", "gamma", all: true), EditTextCodec.NewFile);
        EditPlanner.ApplyText("f.txt", text, EditOperation.Replace("f.txt", "a gamma\nalpha", "A", all: true), EditTextCodec.NewFile);
        Assert.That(text.Build(), Is.EqualTo(original.Replace("beta", "gamma", StringComparison.Ordinal).Replace("a gamma\nalpha", "A", StringComparison.Ordinal)));
    }

    private static int UniqueLine(string text, Random random)
    {
        var candidates = text.Split('\n').Where(l => l.StartsWith("line ", StringComparison.Ordinal)).Select(l => int.Parse(l[5..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return candidates.Count == 0 ? -1 : candidates[random.Next(candidates.Count)];
    }

    private static string RandomText(Random random, int pieces)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < pieces; i++)
        {
            sb.Append(Pieces[random.Next(Pieces.Length)]);
        }

        return sb.ToString();
    }

    private static EditOperation RandomOperation(Random random, string current)
    {
        int lines = EditedText.CountLines(current);
        string old = SafeSubstring(current, random, Pieces[random.Next(Pieces.Length)]);
        return random.Next(8) switch
        {
            0 => EditOperation.Replace("f.txt", old, RandomText(random, random.Next(0, 3)), all: random.Next(2) == 0),
            1 => EditOperation.Replace("f.txt", SafeSubstring(current, random, old), RandomText(random, random.Next(0, 3))),
            2 => EditOperation.Delete("f.txt", SafeSubstring(current, random, old), all: random.Next(2) == 0),
            3 => EditOperation.Insert("f.txt", random.Next(1, lines + 3), RandomText(random, 1 + random.Next(2))),
            4 => EditOperation.Delete("f.txt", random.Next(1, lines + 2) is var start ? start : 1, start + random.Next(0, 2)),
            5 => EditOperation.Append("f.txt", RandomText(random, 1 + random.Next(2))),
            6 => EditOperation.Prepend("f.txt", RandomText(random, 1 + random.Next(2))),
            _ => EditOperation.Replace("f.txt", old, old + "x"),
        };
    }

    private static string SafeSubstring(string current, Random random, string fallback)
    {
        if (current.Length == 0 || random.Next(4) == 0)
        {
            return fallback;
        }

        int start = random.Next(current.Length);
        return current.Substring(start, Math.Min(current.Length - start, 1 + random.Next(4)));
    }

    private static string Escape(string text) => text.Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Applies a unified diff's hunks to <paramref name="original"/>, checking every context and removed line.</summary>
    private static string Patch(string original, string diff)
    {
        var old = Lines(original);
        var result = new StringBuilder();
        int cursor = 0;
        var diffLines = diff.Split('\n');
        for (int i = 2; i < diffLines.Length; i++)
        {
            string line = diffLines[i];
            if (line.StartsWith("@@ -", StringComparison.Ordinal))
            {
                string range = line[4..line.IndexOf(' ', 4)];
                string[] parts = range.Split(',');
                int start = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
                int count = parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
                for (int from = count == 0 ? start : start - 1; cursor < from; cursor++)
                {
                    result.Append(old[cursor]);
                }

                continue;
            }

            if (line.Length == 0)
            {
                continue;
            }

            bool noBreak = i + 1 < diffLines.Length && diffLines[i + 1].StartsWith('\\');
            string content = noBreak ? line[1..] : line[1..] + "\n";
            if (line[0] == '+')
            {
                result.Append(content);
            }
            else
            {
                Assert.That(old[cursor], Is.EqualTo(content), $"line {cursor + 1}");
                if (line[0] == ' ')
                {
                    result.Append(content);
                }

                cursor++;
            }

            i += noBreak ? 1 : 0;
        }

        for (; cursor < old.Count; cursor++)
        {
            result.Append(old[cursor]);
        }

        return result.ToString();
    }

    private static List<string> Lines(string text)
    {
        var lines = new List<string>();
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

    /// <summary>The implementation the engine replaced: every operation copies the whole text, and DiffPlex diffs the whole file.</summary>
    private static class Reference
    {
        public static string Apply(string text, EditOperation op)
        {
            const string path = "f.txt";
            switch (op.Kind)
            {
                case EditOperationKind.Replace:
                    return ReplaceText(path, text, op.OldText!, op.NewText!, op.All);
                case EditOperationKind.Delete when op.OldText is not null:
                    return ReplaceText(path, text, op.OldText, string.Empty, op.All);
                case EditOperationKind.Delete:
                {
                    int count = EditedText.CountLines(text);
                    if (op.EndLine > count)
                    {
                        throw new EditPreconditionException(path, $"Cannot delete lines {op.StartLine}-{op.EndLine} of '{path}': it has {count} lines.");
                    }

                    int start = LineStart(text, op.StartLine!.Value);
                    int end = op.EndLine == count ? text.Length : LineStart(text, op.EndLine!.Value + 1);
                    return string.Concat(text.AsSpan(0, start), text.AsSpan(end));
                }

                case EditOperationKind.Insert:
                {
                    int count = EditedText.CountLines(text);
                    int line = op.Line!.Value;
                    if (line > count + 1)
                    {
                        throw new EditPreconditionException(path, $"Cannot insert at line {line} of '{path}': it has {count} lines (the last position is {count + 1}).");
                    }

                    string insert = op.NewText!;
                    if (line == count + 1)
                    {
                        return text.Length > 0 && !text.EndsWith('\n') ? text + "\n" + insert : text + insert;
                    }

                    int at = LineStart(text, line);
                    return string.Concat(text.AsSpan(0, at), insert, text.AsSpan(at));
                }

                case EditOperationKind.Append:
                    return text + op.NewText;
                case EditOperationKind.Prepend:
                    return op.NewText + text;
                default:
                    throw new InvalidOperationException();
            }
        }

        public static (string Diff, int Added, int Removed) Render(string path, string oldText, string newText, int context)
        {
            var result = Differ.Instance.CreateDiffs(oldText, newText, ignoreWhiteSpace: false, ignoreCase: false, new Chunker());
            var a = result.PiecesOld;
            var b = result.PiecesNew;
            var blocks = result.DiffBlocks;
            var sb = new StringBuilder();
            sb.Append("--- a/").Append(path).Append('\n');
            sb.Append("+++ b/").Append(path).Append('\n');
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

        private static string ReplaceText(string path, string text, string oldText, string newText, bool all)
        {
            int first = text.IndexOf(oldText, StringComparison.Ordinal);
            if (first < 0)
            {
                throw new EditPreconditionException(path, $"The old text was not found in '{path}': \"{Excerpt(oldText)}\".", 0);
            }

            int second = text.IndexOf(oldText, first + oldText.Length, StringComparison.Ordinal);
            if (second < 0)
            {
                return string.Concat(text.AsSpan(0, first), newText, text.AsSpan(first + oldText.Length));
            }

            if (!all)
            {
                int count = 2;
                for (int i = text.IndexOf(oldText, second + oldText.Length, StringComparison.Ordinal); i >= 0; i = text.IndexOf(oldText, i + oldText.Length, StringComparison.Ordinal))
                {
                    count++;
                }

                throw new EditPreconditionException(path, $"The old text occurs {count} times in '{path}', so the change is ambiguous: give more surrounding text, or ask for all occurrences: \"{Excerpt(oldText)}\".", count);
            }

            return text.Replace(oldText, newText, StringComparison.Ordinal);
        }

        private static string Excerpt(string text) => text.Length <= 80 ? text : text[..77] + "...";

        private static int LineStart(string text, int line)
        {
            int at = 0;
            for (int i = 1; i < line; i++)
            {
                at = text.IndexOf('\n', at) + 1;
            }

            return at;
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

        private sealed class Chunker : IChunker
        {
            public IReadOnlyList<string> Chunk(string text) => Lines(text);
        }
    }
}
