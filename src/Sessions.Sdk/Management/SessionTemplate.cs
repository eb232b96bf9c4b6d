using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Describes how new sessions start: system prompt, seeded messages, tags, metadata, kind, provider and model.</summary>
/// <remarks>
/// Register one by name with <c>AddSessions().AddSessionTemplate(name, template)</c>, load one from a file in the session format
/// (<c>AddSessionTemplateFile</c>, <c>AddSessionTemplateDirectory</c>, <see cref="LoadAsync"/>), or save a session as one with
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

    /// <summary>Makes a template of a session in the session format: its title, system prompt, messages, tags, metadata, kind, provider and model.</summary>
    /// <param name="document">The session, for example one read with <see cref="SessionFormat.ReadAsync"/> (any session exported as Json).</param>
    /// <returns>The template; ids, times, usage and lineage are not part of it, nor the <c>sessions.template</c> metadata entry.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="document"/> is <see langword="null"/>.</exception>
    public static SessionTemplate FromDocument(SessionDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return From(document.Session, document.Messages);
    }

    /// <summary>Reads a template from a document in the session format: one session, or a bundle holding exactly one.</summary>
    /// <param name="stream">The document (a session exported with <see cref="SessionExportFormat.Json"/> is one); left open.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The template (see <see cref="FromDocument"/>).</returns>
    /// <exception cref="SessionFormatException">The document is malformed or holds no or several sessions; the message names the bad field.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    public static async Task<SessionTemplate> LoadAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var documents = await SessionFormat.ReadAsync(stream, cancellationToken).ConfigureAwait(false);
        if (documents.Count != 1)
        {
            throw new SessionFormatException($"Invalid session document at 'sessions': a template file holds exactly one session; this bundle holds {documents.Count}.");
        }

        return FromDocument(documents[0]);
    }

    /// <summary>The template of a session and its messages (messages are cloned; the template metadata entry is left out).</summary>
    internal static SessionTemplate From(SessionInfo info, IEnumerable<SessionMessage> messages) => new()
    {
        Title = info.Title.Length == 0 ? null : info.Title,
        SystemPrompt = info.SystemPrompt,
        Messages = [.. messages.Select(m => m.Message.Clone())],
        Tags = [.. info.Tags],
        Metadata = info.Metadata.Where(p => p.Key != SessionTemplateExtensions.TemplateMetadataKey).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
        Kind = info.Kind,
        ProviderName = info.ProviderName,
        ModelId = info.ModelId,
    };
}
