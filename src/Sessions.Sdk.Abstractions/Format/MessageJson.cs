using System.Text.Json;

namespace Sessions.Sdk;

/// <summary>Reads one <see cref="SessionJson"/> message record of a session document, naming the bad field in every error.</summary>
internal static class MessageJson
{
    public static SessionMessage Read(ReadOnlySpan<byte> json, string path, string? sessionId)
    {
        try
        {
            return ReadCore(json, path, sessionId);
        }
        catch (SessionFormatException)
        {
            // Only a bad record pays for the field-by-field check that names the bad field; it throws when it finds one.
            Check(json, path, sessionId);
            throw;
        }
    }

    private static SessionMessage ReadCore(ReadOnlySpan<byte> json, string path, string? sessionId)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = SessionFormat.MaxDepth });
        try
        {
            reader.Read();
            return SessionJson.ReadMessage(ref reader, sessionId);
        }
        catch (SessionFormatException ex)
        {
            throw SessionFormat.Error(path, ex.Message, ex, sessionId);
        }
        catch (Exception ex) when (SessionJson.IsParseFailure(ex) || ex is NullReferenceException or IndexOutOfRangeException)
        {
            throw SessionFormat.Error(path + ".msg", ex.Message, ex, sessionId);
        }
    }

    // Checks the record's own fields first, so an error names the field (messages[3].ts, messages[3].msg.role) rather than the record.
    private static void Check(ReadOnlySpan<byte> json, string path, string? sessionId)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = SessionFormat.MaxDepth });
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject) throw SessionFormat.Error(path, "expected a message object", sessionId: sessionId);
            bool hasVersion = false, hasTs = false, hasMsg = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                string at = path + "." + name;
                reader.Read();
                switch (name)
                {
                    case "v":
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int v) || v < 1) throw SessionFormat.Error(at, "expected a positive integer schema version", sessionId: sessionId);
                        if (v > SessionJson.CurrentSchemaVersion) throw SessionFormat.Error(at, $"message schema version {v} is newer than the {SessionJson.CurrentSchemaVersion} this library reads; upgrade Sessions.Sdk", sessionId: sessionId);
                        hasVersion = true;
                        break;
                    case "seq":
                    case "latencyMs":
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out double d) || double.IsNaN(d) || Math.Abs(d) > 1e15)
                        {
                            throw SessionFormat.Error(at, "expected a number", sessionId: sessionId);
                        }

                        if (name == "seq" && !reader.TryGetInt64(out _)) throw SessionFormat.Error(at, "expected an integer", sessionId: sessionId);
                        break;
                    case "ts":
                        if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out _)) throw SessionFormat.Error(at, "expected an ISO 8601 date and time", sessionId: sessionId);
                        hasTs = true;
                        break;
                    case "provider":
                    case "model":
                        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null)) throw SessionFormat.Error(at, "expected a string", sessionId: sessionId);
                        break;
                    case "pinned":
                        if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False)) throw SessionFormat.Error(at, "expected true or false", sessionId: sessionId);
                        break;
                    case "usage":
                        CheckUsage(ref reader, at, sessionId);
                        break;
                    case "msg":
                        CheckChatMessage(ref reader, at, sessionId);
                        hasMsg = true;
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (!hasVersion) throw SessionFormat.Error(path + ".v", "the message schema version is missing", sessionId: sessionId);
            if (!hasTs) throw SessionFormat.Error(path + ".ts", "the message timestamp is missing", sessionId: sessionId);
            if (!hasMsg) throw SessionFormat.Error(path + ".msg", "the chat message is missing", sessionId: sessionId);
        }
        catch (JsonException ex)
        {
            throw SessionFormat.Error(path, ex.Message, ex, sessionId);
        }
    }

    private static void CheckUsage(ref Utf8JsonReader reader, string path, string? sessionId)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw SessionFormat.Error(path, "expected an object", sessionId: sessionId);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            reader.Read();
            bool ok = name switch
            {
                "cost" => reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out _),
                "requests" or "unpriced" => reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out _),
                "in" or "out" or "total" => reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out _),
                _ => true,
            };
            if (!ok) throw SessionFormat.Error(path + "." + name, "expected a number in range", sessionId: sessionId);
            reader.Skip();
        }
    }

    private static void CheckChatMessage(ref Utf8JsonReader reader, string path, string? sessionId)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw SessionFormat.Error(path, "expected a chat message object", sessionId: sessionId);
        bool hasRole = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            reader.Read();
            if (name == "role")
            {
                if (reader.TokenType != JsonTokenType.String || string.IsNullOrWhiteSpace(reader.GetString())) throw SessionFormat.Error(path + ".role", "expected a non-empty role", sessionId: sessionId);
                hasRole = true;
            }
            else if (name == "contents")
            {
                if (reader.TokenType != JsonTokenType.StartArray) throw SessionFormat.Error(path + ".contents", "expected an array", sessionId: sessionId);
                int i = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.StartObject) throw SessionFormat.Error($"{path}.contents[{i}]", "expected a content object", sessionId: sessionId);
                    reader.Skip();
                    i++;
                }
            }
            else
            {
                reader.Skip();
            }
        }

        if (!hasRole) throw SessionFormat.Error(path + ".role", "the role is missing", sessionId: sessionId);
    }
}
