namespace Sessions.Sdk;

/// <summary>Writes a plain-text transcript, laid out like the seed tools' <c>session show</c>.</summary>
internal sealed class TextTranscript(Stream stream) : ExportTranscript(stream)
{
    private const string Rule = "─────────────────────────────────────────";

    public override void StartSession(SessionInfo info, bool first)
    {
        if (!first) Writer.WriteLine();
        Writer.WriteLine("Session: " + (info.Title.Length > 0 ? info.Title : info.Id));
        foreach (var (key, value) in Facts(info)) Writer.WriteLine(key + ": " + value);
        if (info.SystemPrompt is { } prompt) Writer.WriteLine("System prompt: " + prompt);
        Writer.WriteLine();
        Writer.WriteLine(Rule);
    }

    public override void WriteMessage(SessionMessage message)
    {
        Writer.WriteLine();
        Writer.WriteLine("[" + MessageHeading(message) + "]");
        foreach (var content in message.Message.Contents)
        {
            var (kind, body) = Describe(content);
            if (kind == "usage") continue;
            Writer.WriteLine(kind == "text" ? body : $"({kind}) {body}");
        }
    }

    public override void EndSession()
    {
        Writer.WriteLine();
        Writer.WriteLine(Rule);
    }
}
