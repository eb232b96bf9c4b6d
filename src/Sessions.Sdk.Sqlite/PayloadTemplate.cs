using System.Globalization;
using System.Text;

namespace Sessions.Sdk;

/// <summary>A message serialized with <see cref="SessionJson"/> before its sequence is known, so the write lock is held only to patch it in.</summary>
/// <remarks>
/// <see cref="SessionJson.WriteMessage"/> writes <c>{"v":…,"seq":0,</c> first; the template keeps everything after the zero and
/// <see cref="For"/> splices in the real sequence. When the serialized form does not start that way (a future format), the
/// message is serialized again with its sequence, so the stored bytes always equal what <see cref="SessionJson"/> writes.
/// </remarks>
internal readonly struct PayloadTemplate
{
    private static readonly byte[] Prefix = Encoding.ASCII.GetBytes(
        "{\"v\":" + SessionJson.CurrentSchemaVersion.ToString(CultureInfo.InvariantCulture) + ",\"seq\":0,");

    private PayloadTemplate(byte[] template, bool patchable)
    {
        Template = template;
        Patchable = patchable;
    }

    /// <summary>Gets the message serialized with sequence 0.</summary>
    public byte[] Template { get; }

    private bool Patchable { get; }

    /// <summary>Serializes <paramref name="message"/> with sequence 0.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The template.</returns>
    public static PayloadTemplate Create(SessionMessage message)
    {
        byte[] template = SessionJson.SerializeMessage(message with { Sequence = 0 });
        return new PayloadTemplate(template, template.AsSpan().StartsWith(Prefix));
    }

    /// <summary>Returns the payload of <paramref name="message"/>, whose sequence is now assigned.</summary>
    /// <param name="message">The same message with its sequence.</param>
    /// <returns>The bytes <see cref="SessionJson.SerializeMessage(SessionMessage)"/> writes for it.</returns>
    public byte[] For(SessionMessage message)
    {
        if (!Patchable) return SessionJson.SerializeMessage(message);
        Span<byte> digits = stackalloc byte[20];
        message.Sequence.TryFormat(digits, out int length, provider: CultureInfo.InvariantCulture);
        int head = Prefix.Length - 2; // up to and including "seq":
        var payload = new byte[Template.Length - 1 + length];
        Template.AsSpan(0, head).CopyTo(payload);
        digits[..length].CopyTo(payload.AsSpan(head));
        Template.AsSpan(head + 1).CopyTo(payload.AsSpan(head + length));
        return payload;
    }
}
