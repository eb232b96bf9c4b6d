namespace Sessions.Sdk;

/// <summary>Removes secrets from text before it leaves the store (exports); implement it for custom rules.</summary>
/// <remarks>Implementations are thread-safe and must not throw for any input.</remarks>
public interface ISessionRedactor
{
    /// <summary>Returns <paramref name="text"/> with every secret replaced.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The redacted text; the same instance when nothing was found.</returns>
    string Redact(string text);
}
