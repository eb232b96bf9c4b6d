using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Writes journal lines, with a fast path for the common plain-text message.</summary>
/// <remarks>
/// A message whose <see cref="ChatMessage"/> has only a role and <see cref="TextContent"/> items (no author, id, timestamp,
/// annotations or additional properties) is written directly, byte for byte what <see cref="SessionJson.SerializeMessage(SessionMessage, IBufferWriter{byte})"/>
/// writes (a test pins this); anything else goes through the shared serializer. The fast path spares a process that only
/// appends plain text the start-up cost of M.E.AI's polymorphic serializer on its first append.
/// </remarks>
internal static class FileMessageWriter
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>Writes one message line (the shared message JSON and <c>\n</c>) into <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, SessionMessage message)
    {
        if (IsPlainText(message.Message))
        {
            using (var writer = new Utf8JsonWriter(output, WriterOptions))
            {
                WritePlainText(writer, message);
            }
        }
        else
        {
            SessionJson.SerializeMessage(message, output);
        }

        output.Write("\n"u8);
    }

    /// <summary>Returns whether <paramref name="message"/> takes the fast path.</summary>
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

    private static void WritePlainText(Utf8JsonWriter writer, SessionMessage message)
    {
        writer.WriteStartObject();
        writer.WriteNumber("v"u8, SessionJson.CurrentSchemaVersion);
        writer.WriteNumber("seq"u8, message.Sequence);
        writer.WriteString("ts"u8, message.Timestamp);
        writer.WritePropertyName("msg"u8);
        writer.WriteStartObject();
        writer.WriteString("role"u8, message.Message.Role.Value);
        writer.WriteStartArray("contents"u8);
        foreach (var content in message.Message.Contents)
        {
            writer.WriteStartObject();
            writer.WriteString("$type"u8, "text"u8);
            writer.WriteString("text"u8, ((TextContent)content).Text);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        if (message.ProviderName is { } provider) writer.WriteString("provider"u8, provider);
        if (message.ModelId is { } model) writer.WriteString("model"u8, model);
        if (message.Usage is { } usage)
        {
            writer.WritePropertyName("usage"u8);
            SessionJson.WriteUsage(writer, usage);
        }

        if (message.Latency is { } latency) writer.WriteNumber("latencyMs"u8, latency.TotalMilliseconds);
        if (message.Pinned) writer.WriteBoolean("pinned"u8, true);
        writer.WriteEndObject();
    }
}
