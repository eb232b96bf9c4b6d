using System.Text.Encodings.Web;

namespace Sessions.Sdk;

/// <summary>Writes a self-contained HTML page: inline style, no script, a policy forbidding any, every piece of content HTML-encoded.</summary>
internal sealed class HtmlTranscript(Stream stream) : ExportTranscript(stream)
{
    private const string Style =
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}" +
        "article{border-top:2px solid #ccc;margin-top:2rem}dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}" +
        "dt{font-weight:600}dd{margin:0}.message{border-left:4px solid #ddd;margin:1rem 0;padding:.2rem .8rem}" +
        ".role-user{border-color:#4a7}.role-assistant{border-color:#47a}.role-system{border-color:#a74}.role-tool{border-color:#888}" +
        ".meta{color:#666;font-size:.85rem}.text{white-space:pre-wrap}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}";

    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;

    public override void Start(string title)
    {
        Writer.WriteLine("<!DOCTYPE html>");
        Writer.WriteLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        Writer.WriteLine("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src 'none'\">");
        Writer.WriteLine("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        Writer.WriteLine("<title>" + E(title) + "</title>");
        Writer.WriteLine("<style>" + Style + "</style></head><body>");
    }

    public override void StartSession(SessionInfo info, bool first)
    {
        Writer.WriteLine("<article class=\"session\"><header>");
        Writer.WriteLine("<h1>" + E(info.Title.Length > 0 ? info.Title : info.Id) + "</h1><dl>");
        foreach (var (key, value) in Facts(info)) Writer.WriteLine("<dt>" + E(key) + "</dt><dd>" + E(value) + "</dd>");
        Writer.WriteLine("</dl>");
        if (info.SystemPrompt is { } prompt) Writer.WriteLine("<p class=\"meta\">System prompt</p><pre>" + E(prompt) + "</pre>");
        Writer.WriteLine("</header>");
    }

    public override void WriteMessage(SessionMessage message)
    {
        Writer.Write("<section class=\"message role-" + RoleClass(message.Role.Value) + "\"><div class=\"meta\">" + E(MessageHeading(message)) + "</div>");
        foreach (var content in message.Message.Contents)
        {
            var (kind, body) = Describe(content);
            if (kind == "usage") continue;
            Writer.Write(kind == "text"
                ? "<div class=\"text\">" + E(body) + "</div>"
                : "<div class=\"meta\">" + E(kind) + "</div><pre>" + E(body) + "</pre>");
        }

        Writer.WriteLine("</section>");
    }

    public override void EndSession() => Writer.WriteLine("</article>");

    public override void Complete() => Writer.WriteLine("</body></html>");

    private static string E(string text) => Encoder.Encode(text);

    private static string RoleClass(string role)
    {
        var chars = role.ToLowerInvariant().Where(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-').Take(32).ToArray();
        return chars.Length == 0 ? "other" : new string(chars);
    }
}
