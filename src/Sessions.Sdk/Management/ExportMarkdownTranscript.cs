namespace Sessions.Sdk;

/// <summary>Writes a Markdown transcript: a heading and facts per session, a heading per message, tool calls in fenced blocks.</summary>
internal sealed class MarkdownTranscript(Stream stream) : ExportTranscript(stream)
{
    public override void StartSession(SessionInfo info, bool first)
    {
        if (!first)
        {
            Writer.WriteLine();
            Writer.WriteLine("---");
            Writer.WriteLine();
        }

        Writer.WriteLine("# " + OneLine(info.Title.Length > 0 ? info.Title : info.Id));
        Writer.WriteLine();
        Writer.WriteLine("| | |");
        Writer.WriteLine("|---|---|");
        foreach (var (key, value) in Facts(info)) Writer.WriteLine($"| {Cell(key)} | {Cell(value)} |");
        if (info.SystemPrompt is { } prompt)
        {
            Writer.WriteLine();
            Writer.WriteLine("**System prompt**");
            Writer.WriteLine();
            WriteFenced(prompt, string.Empty);
        }
    }

    public override void WriteMessage(SessionMessage message)
    {
        Writer.WriteLine();
        Writer.WriteLine("### " + MessageHeading(message));
        foreach (var content in message.Message.Contents)
        {
            var (kind, body) = Describe(content);
            if (kind == "usage") continue;
            Writer.WriteLine();
            if (kind == "text")
            {
                Writer.WriteLine(body);
            }
            else
            {
                Writer.WriteLine($"**{char.ToUpperInvariant(kind[0]) + kind[1..]}**");
                Writer.WriteLine();
                WriteFenced(body, kind is "tool call" or "tool result" ? "json" : string.Empty);
            }
        }
    }

    private void WriteFenced(string body, string language)
    {
        // A fence longer than any backtick run in the body, so the body cannot close it.
        int longest = 0, run = 0;
        foreach (char c in body)
        {
            run = c == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        string fence = new('`', Math.Max(3, longest + 1));
        Writer.WriteLine(fence + language);
        Writer.WriteLine(body);
        Writer.WriteLine(fence);
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static string Cell(string text) => OneLine(text).Replace("|", "\\|", StringComparison.Ordinal);
}
