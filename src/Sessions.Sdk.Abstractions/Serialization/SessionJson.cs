using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Reads and writes the versioned JSON form of sessions and messages that every store and export shares.</summary>
/// <remarks>
/// A message is one JSON object: <c>{"v":1,"seq":…,"ts":…,"msg":{ChatMessage},"provider":…,"model":…,"usage":{…},"latencyMs":…,"pinned":…}</c>.
/// <c>msg</c> is M.E.AI's own <see cref="ChatMessage"/> JSON, so every content type round-trips. Readers accept every
/// version that shipped and reject newer ones with <see cref="SessionFormatException"/>. Thread-safe.
/// Applications and storage adapters need only <see cref="SerializeMessage(SessionMessage)"/> and
/// <see cref="DeserializeMessage(ReadOnlySpan{byte}, string?)"/> (and their string and buffer forms), plus
/// <see cref="DefaultOptions"/> to serialize Sessions.Sdk records and contents (such as <see cref="SessionStateContent"/>)
/// themselves; whole sessions go through <see cref="SessionFormat"/>.
/// </remarks>
public static class SessionJson
{
    /// <summary>The schema version this library writes.</summary>
    internal const int CurrentSchemaVersion = 1;

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>Gets the serializer options for Sessions.Sdk records, chained with M.E.AI's for chat types.</summary>
    public static JsonSerializerOptions DefaultOptions => Lazy.DefaultOptions;

    /// <summary>Writes a message as one JSON object.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="message">The message.</param>
    internal static void WriteMessage(Utf8JsonWriter writer, SessionMessage message)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(message);
        writer.WriteStartObject();
        writer.WriteNumber("v"u8, CurrentSchemaVersion);
        writer.WriteNumber("seq"u8, message.Sequence);
        writer.WriteString("ts"u8, message.Timestamp);
        writer.WritePropertyName("msg"u8);
        if (IsPlainText(message.Message))
        {
            WritePlainTextMessage(writer, message.Message);
        }
        else
        {
            JsonSerializer.Serialize(writer, message.Message, Lazy.ChatMessageInfo);
        }
        if (message.ProviderName is { } provider) writer.WriteString("provider"u8, provider);
        if (message.ModelId is { } model) writer.WriteString("model"u8, model);
        if (message.Usage is { } usage)
        {
            writer.WritePropertyName("usage"u8);
            WriteUsage(writer, usage);
        }

        if (message.Latency is { } latency) writer.WriteNumber("latencyMs"u8, latency.TotalMilliseconds);
        if (message.Pinned) writer.WriteBoolean("pinned"u8, true);
        writer.WriteEndObject();
    }

    /// <summary>Serializes a message to UTF-8 JSON.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The JSON bytes, without a trailing newline.</returns>
    public static byte[] SerializeMessage(SessionMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteMessage(writer, message);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Serializes a message into a buffer.</summary>
    /// <param name="message">The message.</param>
    /// <param name="output">The buffer the JSON is appended to.</param>
    public static void SerializeMessage(SessionMessage message, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        WriteMessage(writer, message);
    }

    /// <summary>Deserializes a message written by <see cref="SerializeMessage(SessionMessage)"/> (any shipped version).</summary>
    /// <param name="utf8Json">The JSON bytes of one message.</param>
    /// <param name="sessionId">The session the message belongs to, named in errors.</param>
    /// <returns>The message.</returns>
    /// <exception cref="SessionFormatException">The JSON is malformed, incomplete or of a newer version.</exception>
    public static SessionMessage DeserializeMessage(ReadOnlySpan<byte> utf8Json, string? sessionId = null)
    {
        var reader = new Utf8JsonReader(utf8Json);
        try
        {
            if (!reader.Read()) throw Format("empty message record", sessionId);
            var message = ReadMessage(ref reader, sessionId);
            if (reader.Read()) throw Format("trailing data after a message record", sessionId);
            return message;
        }
        catch (Exception ex) when (IsParseFailure(ex))
        {
            throw Format($"malformed message record ({ex.Message})", sessionId, ex);
        }
    }

    /// <summary>Returns whether an exception thrown while reading JSON means the input is malformed.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns><see langword="true"/> for parser, format and value errors; <see langword="false"/> for anything else.</returns>
    /// <remarks>Readers of stored or imported data use it to turn every malformed-input failure into <see cref="SessionFormatException"/>.</remarks>
    internal static bool IsParseFailure(Exception exception) =>
        exception is JsonException or FormatException or OverflowException or InvalidOperationException or NotSupportedException
            or ArgumentException or KeyNotFoundException or InvalidCastException;

    /// <summary>Serializes a message to a JSON string.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The JSON text.</returns>
    public static string SerializeMessageToString(SessionMessage message) =>
        System.Text.Encoding.UTF8.GetString(SerializeMessage(message));

    /// <summary>Deserializes a message from a JSON string.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="sessionId">The session the message belongs to, named in errors.</param>
    /// <returns>The message.</returns>
    /// <exception cref="SessionFormatException">The JSON is malformed, incomplete or of a newer version.</exception>
    public static SessionMessage DeserializeMessage(string json, string? sessionId = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        return DeserializeMessage(System.Text.Encoding.UTF8.GetBytes(json), sessionId);
    }

    /// <summary>Reads one message object; the reader must be positioned on its start token and ends on its end token.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="sessionId">The session the message belongs to, named in errors.</param>
    /// <returns>The message.</returns>
    /// <exception cref="SessionFormatException">The record is incomplete or of a newer version.</exception>
    /// <exception cref="JsonException">The JSON is malformed.</exception>
    internal static SessionMessage ReadMessage(ref Utf8JsonReader reader, string? sessionId = null)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw Format("a message record must be a JSON object", sessionId);
        int version = 0;
        long seq = 0;
        DateTimeOffset? ts = null;
        ChatMessage? msg = null;
        string? provider = null, model = null;
        SessionUsage? usage = null;
        TimeSpan? latency = null;
        bool pinned = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("v"u8)) { reader.Read(); version = reader.GetInt32(); }
            else if (reader.ValueTextEquals("seq"u8)) { reader.Read(); seq = reader.GetInt64(); }
            else if (reader.ValueTextEquals("ts"u8)) { reader.Read(); ts = reader.GetDateTimeOffset(); }
            else if (reader.ValueTextEquals("msg"u8))
            {
                reader.Read();
                var probe = reader;
                if (TryReadPlainTextMessage(ref probe) is { } plain)
                {
                    msg = plain;
                    reader = probe;
                }
                else
                {
                    msg = JsonSerializer.Deserialize(ref reader, Lazy.ChatMessageInfo);
                }
            }
            else if (reader.ValueTextEquals("provider"u8)) { reader.Read(); provider = reader.GetString(); }
            else if (reader.ValueTextEquals("model"u8)) { reader.Read(); model = reader.GetString(); }
            else if (reader.ValueTextEquals("usage"u8)) { reader.Read(); usage = ReadUsage(ref reader); }
            else if (reader.ValueTextEquals("latencyMs"u8)) { reader.Read(); latency = TimeSpan.FromMilliseconds(reader.GetDouble()); }
            else if (reader.ValueTextEquals("pinned"u8)) { reader.Read(); pinned = reader.GetBoolean(); }
            else { reader.Read(); reader.Skip(); }
        }

        if (reader.TokenType != JsonTokenType.EndObject) throw Format("truncated message record", sessionId);
        if (version < 1) throw Format("message record has no schema version", sessionId);
        if (version > CurrentSchemaVersion)
        {
            throw Format($"message record has schema version {version}, newer than the {CurrentSchemaVersion} this library reads; upgrade Sessions.Sdk", sessionId);
        }

        if (msg is null || ts is null) throw Format("message record lacks 'msg' or 'ts'", sessionId);
        return new SessionMessage
        {
            Sequence = seq,
            Message = msg,
            Timestamp = ts.Value,
            ProviderName = provider,
            ModelId = model,
            Usage = usage,
            Latency = latency,
            Pinned = pinned,
        };
    }

    /// <summary>Writes a usage as a JSON object.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="usage">The usage.</param>
    internal static void WriteUsage(Utf8JsonWriter writer, SessionUsage usage)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(usage);
        writer.WriteStartObject();
        writer.WriteNumber("in"u8, usage.InputTokens);
        writer.WriteNumber("out"u8, usage.OutputTokens);
        writer.WriteNumber("total"u8, usage.TotalTokens);
        writer.WriteNumber("cost"u8, usage.Cost);
        writer.WriteNumber("requests"u8, usage.Requests);
        if (usage.UnpricedRequests != 0)
        {
            // Only when there are some: records without it read as fully priced, and earlier readers skip it.
            writer.WriteNumber("unpriced"u8, usage.UnpricedRequests);
        }

        writer.WriteEndObject();
    }

    /// <summary>Reads a usage object written by <see cref="WriteUsage"/>; the reader must be on its start token.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The usage.</returns>
    /// <exception cref="JsonException">The JSON is malformed.</exception>
    internal static SessionUsage ReadUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("usage must be a JSON object");
        long input = 0, output = 0, total = 0;
        decimal cost = 0;
        int requests = 0, unpriced = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("in"u8)) { reader.Read(); input = reader.GetInt64(); }
            else if (reader.ValueTextEquals("out"u8)) { reader.Read(); output = reader.GetInt64(); }
            else if (reader.ValueTextEquals("total"u8)) { reader.Read(); total = reader.GetInt64(); }
            else if (reader.ValueTextEquals("cost"u8)) { reader.Read(); cost = reader.GetDecimal(); }
            else if (reader.ValueTextEquals("requests"u8)) { reader.Read(); requests = reader.GetInt32(); }
            else if (reader.ValueTextEquals("unpriced"u8)) { reader.Read(); unpriced = reader.GetInt32(); }
            else { reader.Read(); reader.Skip(); }
        }

        if (reader.TokenType != JsonTokenType.EndObject) throw new JsonException("truncated usage object");
        return new SessionUsage { InputTokens = input, OutputTokens = output, TotalTokens = total, Cost = cost, Requests = requests, UnpricedRequests = unpriced };
    }

    /// <summary>Returns whether a message is plain text: a role and <see cref="TextContent"/> items, nothing else that serializes.</summary>
    /// <remarks>Such messages are written and read without M.E.AI's polymorphic serializer, with byte-identical JSON.</remarks>
    internal static bool IsPlainText(ChatMessage message)
    {
        if (message.GetType() != typeof(ChatMessage) || message.AuthorName is not null || message.MessageId is not null
            || message.CreatedAt is not null || message.AdditionalProperties is not null || string.IsNullOrWhiteSpace(message.Role.Value))
        {
            return false;
        }

        var contents = message.Contents;
        if (contents.Count == 0) return false;
        for (int i = 0; i < contents.Count; i++)
        {
            if (contents[i] is not TextContent text || text.GetType() != typeof(TextContent) || text.Text is null
                || text.Annotations is not null || text.AdditionalProperties is not null)
            {
                return false;
            }
        }

        return true;
    }

    // Writes exactly what M.E.AI's serializer writes for a plain-text message (a test pins this byte for byte), without
    // paying that serializer's start-up cost on a process's first append.
    private static void WritePlainTextMessage(Utf8JsonWriter writer, ChatMessage message)
    {
        writer.WriteStartObject();
        writer.WriteString("role"u8, message.Role.Value);
        writer.WriteStartArray("contents"u8);
        foreach (var content in message.Contents)
        {
            writer.WriteStartObject();
            writer.WriteString("$type"u8, "text"u8);
            writer.WriteString("text"u8, ((TextContent)content).Text);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    // Most stored messages are plain text: {"role":…,"contents":[{"$type":"text","text":…},…]}. Reading those directly is
    // several times faster than M.E.AI's polymorphic serializer and spares a fresh process its start-up cost. Anything else
    // (tool calls, data, author names, extra properties) returns null and goes through the serializer, so results are identical.
    private static ChatMessage? TryReadPlainTextMessage(ref Utf8JsonReader reader)
    {
        try
        {
            if (reader.TokenType != JsonTokenType.StartObject) return null;
            string? role = null;
            List<AIContent>? contents = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("role"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String) return null;
                    role = reader.GetString();
                }
                else if (reader.ValueTextEquals("contents"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray) return null;
                    contents = [];
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        string? type = null, text = null;
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            if (reader.ValueTextEquals("$type"u8)) { reader.Read(); type = reader.TokenType == JsonTokenType.String ? reader.GetString() : null; }
                            else if (reader.ValueTextEquals("text"u8)) { reader.Read(); text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null; }
                            else return null;
                        }

                        if (type != "text" || text is null) return null;
                        contents.Add(new TextContent(text));
                    }

                    if (reader.TokenType != JsonTokenType.EndArray) return null;
                }
                else
                {
                    return null;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || string.IsNullOrWhiteSpace(role) || contents is null) return null;
            return new ChatMessage(new ChatRole(role), contents);
        }
        catch (Exception ex) when (IsParseFailure(ex))
        {
            return null;
        }
    }

    private static SessionFormatException Format(string what, string? sessionId, Exception? inner = null) =>
        new(sessionId is null ? $"Invalid session data: {what}." : $"Invalid data in session '{sessionId}': {what}.", sessionId, inner);

    private static JsonSerializerOptions CreateDefaultOptions()
    {
        var options = new JsonSerializerOptions(SessionsJsonContext.Default.Options)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine(SessionsJsonContext.Default, AIJsonUtilities.DefaultOptions.TypeInfoResolver),
        };
        options.AddAIContentType<SessionStateContent>(SessionStateContent.TypeDiscriminator);
        options.MakeReadOnly();
        return options;
    }

    // M.E.AI's own options for chat types, plus the contents this library defines (stable discriminators).
    private static JsonSerializerOptions CreateChatOptions()
    {
        var options = new JsonSerializerOptions(AIJsonUtilities.DefaultOptions)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine(AIJsonUtilities.DefaultOptions.TypeInfoResolver, SessionsJsonContext.Default),
        };
        options.AddAIContentType<SessionStateContent>(SessionStateContent.TypeDiscriminator);
        options.MakeReadOnly();
        return options;
    }

    // Built on first use only: plain-text messages never need M.E.AI's serializer, and building its metadata
    // costs a fresh process tens of milliseconds on its first append.
    private static class Lazy
    {
        public static readonly JsonTypeInfo<ChatMessage> ChatMessageInfo =
            (JsonTypeInfo<ChatMessage>)CreateChatOptions().GetTypeInfo(typeof(ChatMessage));

        public static readonly JsonSerializerOptions DefaultOptions = CreateDefaultOptions();
    }
}
