using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sessions.Sdk;

/// <summary>Identifies what a session is for (chat, plan, edit, or an application-defined kind).</summary>
/// <remarks>An extensible, string-backed value compared case-insensitively, like <c>ChatRole</c>.</remarks>
[JsonConverter(typeof(SessionKindJsonConverter))]
public readonly struct SessionKind : IEquatable<SessionKind>
{
    private readonly string? _value;

    /// <summary>Initializes a new kind with the given name.</summary>
    /// <param name="value">The kind's name, such as <c>chat</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="value"/> is null, empty or white space.</exception>
    public SessionKind(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        _value = value;
    }

    /// <summary>Gets the kind of a conversational session.</summary>
    public static SessionKind Chat { get; } = new("chat");

    /// <summary>Gets the kind of a planning session.</summary>
    public static SessionKind Plan { get; } = new("plan");

    /// <summary>Gets the kind of a file-editing session.</summary>
    public static SessionKind Edit { get; } = new("edit");

    /// <summary>Gets the kind's name; <c>chat</c> for a default instance.</summary>
    public string Value => _value ?? "chat";

    /// <summary>Returns whether two kinds are equal.</summary>
    /// <param name="left">The first kind.</param>
    /// <param name="right">The second kind.</param>
    /// <returns><see langword="true"/> when the names match ignoring case.</returns>
    public static bool operator ==(SessionKind left, SessionKind right) => left.Equals(right);

    /// <summary>Returns whether two kinds differ.</summary>
    /// <param name="left">The first kind.</param>
    /// <param name="right">The second kind.</param>
    /// <returns><see langword="true"/> when the names differ ignoring case.</returns>
    public static bool operator !=(SessionKind left, SessionKind right) => !left.Equals(right);

    /// <inheritdoc/>
    public bool Equals(SessionKind other) => string.Equals(Value, other.Value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is SessionKind other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Value);

    /// <inheritdoc/>
    public override string ToString() => Value;

    /// <summary>Converts a <see cref="SessionKind"/> to and from a JSON string.</summary>
    public sealed class SessionKindJsonConverter : JsonConverter<SessionKind>
    {
        /// <inheritdoc/>
        public override SessionKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var s = reader.GetString();
            return string.IsNullOrWhiteSpace(s) ? default : new SessionKind(s);
        }

        /// <inheritdoc/>
        public override void Write(Utf8JsonWriter writer, SessionKind value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStringValue(value.Value);
        }
    }
}
