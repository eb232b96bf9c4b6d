using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Reads journal lines into messages, with a fast path for the common plain-text message.</summary>
/// <remarks>
/// A line whose <c>msg</c> is exactly <c>{"role":…,"contents":[{"$type":"text","text":…},…]}</c> is materialized directly;
/// anything else (tool calls, data, author names, extra properties) goes through <see cref="SessionJson.DeserializeMessage(ReadOnlySpan{byte}, string?)"/>,
/// so the result is always what the shared reader returns. The fast path also spares a process that only reads plain text
/// the start-up cost of M.E.AI's polymorphic serializer.
/// </remarks>
internal static class FileMessageReader
{
    public static SessionMessage Read(ReadOnlySpan<byte> line, string sessionId) =>
        TryReadPlainText(line) ?? SessionJson.DeserializeMessage(line, sessionId);

    private static SessionMessage? TryReadPlainText(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
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
                    msg = ReadPlainChatMessage(ref reader);
                    if (msg is null) return null;
                }
                else if (reader.ValueTextEquals("provider"u8)) { reader.Read(); provider = reader.GetString(); }
                else if (reader.ValueTextEquals("model"u8)) { reader.Read(); model = reader.GetString(); }
                else if (reader.ValueTextEquals("usage"u8)) { reader.Read(); usage = SessionJson.ReadUsage(ref reader); }
                else if (reader.ValueTextEquals("latencyMs"u8)) { reader.Read(); latency = TimeSpan.FromMilliseconds(reader.GetDouble()); }
                else if (reader.ValueTextEquals("pinned"u8)) { reader.Read(); pinned = reader.GetBoolean(); }
                else return null;
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read()) return null;
            if (version != 1 || msg is null || ts is null) return null;
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
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static ChatMessage? ReadPlainChatMessage(ref Utf8JsonReader reader)
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
}
