using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Describes how new sessions start: system prompt, seeded messages, tags, metadata, kind, provider and model.</summary>
/// <remarks>
/// Register one by name with <c>AddSessions().AddSessionTemplate(name, template)</c>, or save a session as one with
/// <c>SaveAsTemplateAsync</c>; then <c>sessions.Create(id).FromTemplate(name).CreateAsync()</c>. Every field is optional:
/// <see langword="null"/> or empty fields leave the builder's own settings alone.
/// </remarks>
public sealed class SessionTemplate
{
    /// <summary>Gets the title new sessions get.</summary>
    public string? Title { get; init; }

    /// <summary>Gets the system prompt.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>Gets the messages every new session starts with, in order (each session stores its own copy).</summary>
    public IReadOnlyList<ChatMessage> Messages { get; init; } = [];

    /// <summary>Gets the tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Gets the metadata entries.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets the kind; <see langword="null"/> for the builder's (chat by default).</summary>
    public SessionKind? Kind { get; init; }

    /// <summary>Gets the provider name.</summary>
    public string? ProviderName { get; init; }

    /// <summary>Gets the model.</summary>
    public string? ModelId { get; init; }
}
