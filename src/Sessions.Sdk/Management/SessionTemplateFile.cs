using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>Reads a template file: a document in the public session format (one session, or a bundle holding exactly one), held in memory.</summary>
/// <remarks>
/// Synchronous on purpose: templates named in DI are loaded while the services are configured, where nothing can be awaited,
/// so a bad file fails there and then. It applies the rules <see cref="SessionFormatReader"/> applies (header first, every shipped
/// schema version, the same field paths in errors) with the same session and message parsers.
/// </remarks>
internal static class SessionTemplateFile
{
    /// <summary>The largest template file read (a template is a few seeded messages, not a whole history).</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    /// <summary>Reads a template file from disk.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The template.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="SessionFormatException">The file is not a session document holding one session; the message names the file and the bad field.</exception>
    public static SessionTemplate Load(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"The session template file '{full}' does not exist. Export a session with SessionExportFormat.Json to make one.", full);
        }

        var length = new FileInfo(full).Length;
        if (length > MaxBytes)
        {
            throw new SessionFormatException($"The session template file '{full}' is {length} bytes, more than the {MaxBytes} a template may take.");
        }

        byte[] bytes = File.ReadAllBytes(full);
        try
        {
            return SessionTemplate.FromDocument(Parse(bytes));
        }
        catch (SessionFormatException ex)
        {
            throw new SessionFormatException($"The session template file '{full}' cannot be used: {ex.Message}", ex.SessionId, ex);
        }
    }

    /// <summary>Parses a session document, or a bundle of exactly one session.</summary>
    /// <param name="json">The document's UTF-8 bytes.</param>
    /// <returns>The session and its messages.</returns>
    /// <exception cref="SessionFormatException">The document is malformed, newer than this library, or holds no or several sessions.</exception>
    public static SessionDocument Parse(ReadOnlySpan<byte> json)
    {
        if (json.StartsWith("\uFEFF"u8)) json = json[3..]; // a byte order mark an editor may have added
        if (json.Trim(" \t\r\n"u8).IsEmpty) throw SessionFormat.Error("$", "the document is empty");
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = SessionFormat.MaxDepth });
        string path = "$";
        try
        {
            if (!reader.Read()) throw SessionFormat.Error("$", "the document is empty");
            if (reader.TokenType != JsonTokenType.StartObject) throw SessionFormat.Error("$", "expected a JSON object");
            string? format = null;
            bool versioned = false;
            var documents = new List<SessionDocument>();
            SessionInfo? session = null;
            List<SessionMessage>? messages = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                path = name;
                reader.Read();
                if (name == "format" && format is null)
                {
                    format = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    if (format != SessionFormat.SessionFormatName && format != SessionFormat.BundleFormatName)
                    {
                        throw SessionFormat.Error("format", $"'{SessionInfoJson.Clip(format ?? reader.TokenType.ToString())}' is not a Sessions.Sdk session format");
                    }

                    continue;
                }

                if (format is null) throw SessionFormat.Error("format", "the document does not start with a Sessions.Sdk 'format'");
                if (name == "schemaVersion")
                {
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int version) || version < 1)
                    {
                        throw SessionFormat.Error("schemaVersion", "expected a positive integer");
                    }

                    if (version > SessionFormat.CurrentSchemaVersion)
                    {
                        throw SessionFormat.Error("schemaVersion", $"schema version {version} is newer than the {SessionFormat.CurrentSchemaVersion} this library reads; upgrade Sessions.Sdk");
                    }

                    versioned = true;
                    continue;
                }

                if (!versioned && name is "session" or "messages" or "sessions") throw SessionFormat.Error("schemaVersion", "'schemaVersion' must come before the sessions");
                bool bundle = format == SessionFormat.BundleFormatName;
                if (!bundle && name == "session")
                {
                    session = ReadSession(ref reader, json, "session");
                }
                else if (!bundle && name == "messages")
                {
                    if (session is null) throw SessionFormat.Error("messages", "'session' must come before 'messages'");
                    messages = ReadMessages(ref reader, json, "messages", session.Id);
                }
                else if (bundle && name == "sessions")
                {
                    if (reader.TokenType != JsonTokenType.StartArray) throw SessionFormat.Error("sessions", "expected an array");
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        string prefix = $"sessions[{documents.Count}]";
                        path = prefix;
                        if (reader.TokenType != JsonTokenType.StartObject) throw SessionFormat.Error(prefix, "expected an object");
                        SessionInfo? inner = null;
                        List<SessionMessage>? innerMessages = null;
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            string property = reader.GetString()!;
                            reader.Read();
                            if (property == "session") inner = ReadSession(ref reader, json, prefix + ".session");
                            else if (property == "messages")
                            {
                                if (inner is null) throw SessionFormat.Error(prefix + ".messages", "'session' must come before 'messages'");
                                innerMessages = ReadMessages(ref reader, json, prefix + ".messages", inner.Id);
                            }
                            else reader.Skip();
                        }

                        if (inner is null) throw SessionFormat.Error(prefix + ".session", "missing");
                        if (innerMessages is null) throw SessionFormat.Error(prefix + ".messages", "missing");
                        documents.Add(new SessionDocument { Session = inner, Messages = innerMessages });
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            if (format is null) throw SessionFormat.Error("format", "the document does not start with a Sessions.Sdk 'format'");
            if (!versioned) throw SessionFormat.Error("schemaVersion", "missing");
            if (format == SessionFormat.SessionFormatName)
            {
                if (session is null) throw SessionFormat.Error("session", "the document holds no session");
                if (messages is null) throw SessionFormat.Error("messages", "missing");
                documents.Add(new SessionDocument { Session = session, Messages = messages });
            }

            if (documents.Count != 1)
            {
                throw SessionFormat.Error("sessions", $"a template file holds exactly one session; this bundle holds {documents.Count}");
            }

            return documents[0];
        }
        catch (JsonException ex)
        {
            throw SessionFormat.Error(path, ex.Message, ex);
        }
    }

    private static SessionInfo ReadSession(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, string path) =>
        SessionInfoJson.Read(Value(ref reader, json), path);

    private static List<SessionMessage> ReadMessages(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, string path, string sessionId)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw SessionFormat.Error(path, "expected an array", sessionId: sessionId);
        var messages = new List<SessionMessage>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            messages.Add(MessageJson.Read(Value(ref reader, json), $"{path}[{messages.Count}]", sessionId));
        }

        return messages;
    }

    /// <summary>The raw bytes of the value the reader is on (the reader ends on its last token).</summary>
    private static ReadOnlySpan<byte> Value(ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        int start = (int)reader.TokenStartIndex;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        return json[start..(int)reader.BytesConsumed];
    }
}
