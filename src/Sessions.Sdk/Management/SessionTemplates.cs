using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Sessions.Sdk;

/// <summary>Registers, applies and saves <see cref="SessionTemplate"/>s.</summary>
public static class SessionTemplateExtensions
{
    /// <summary>The metadata key a session created from a template records the template's name under.</summary>
    public const string TemplateMetadataKey = "sessions.template";

    /// <summary>Registers a session template by name.</summary>
    /// <param name="builder">The sessions builder.</param>
    /// <param name="name">The template's name (compared ignoring case).</param>
    /// <param name="template">The template.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, or a template with that name is already registered.</exception>
    public static ISessionsBuilder AddSessionTemplate(this ISessionsBuilder builder, string name, SessionTemplate template)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(template);
        foreach (var descriptor in builder.Services)
        {
            if (descriptor.ServiceType == typeof(SessionTemplateRegistration)
                && descriptor.ImplementationInstance is SessionTemplateRegistration existing
                && string.Equals(existing.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"A session template named '{name}' is already registered.", nameof(name));
            }
        }

        builder.Services.AddSingleton(new SessionTemplateRegistration(name, template));
        builder.Services.TryAddSingleton<SessionTemplateRegistry>();
        return builder;
    }

    /// <summary>Registers a session template read now from a file in the session format (a session exported as Json, or a bundle holding one session).</summary>
    /// <param name="builder">The sessions builder.</param>
    /// <param name="path">The file.</param>
    /// <param name="name">The template's name; <see langword="null"/> for the file name without its extension (<c>code-review.json</c> is <c>code-review</c>).</param>
    /// <returns>The builder.</returns>
    /// <remarks>The file is read when this is called, so a missing or bad file fails at startup; later changes to it are not seen.</remarks>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="SessionFormatException">The file is not a session document holding one session; the message names the file and the bad field.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> or <paramref name="name"/> is empty, or a template with that name is already registered.</exception>
    public static ISessionsBuilder AddSessionTemplateFile(this ISessionsBuilder builder, string path, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (name is not null) ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var template = SessionTemplateFile.Load(path);
        return builder.AddSessionTemplate(name ?? Path.GetFileNameWithoutExtension(path), template);
    }

    /// <summary>Registers every template file of a folder (<c>*.json</c> in the session format), each named after its file without the extension.</summary>
    /// <param name="builder">The sessions builder.</param>
    /// <param name="directory">The folder; subfolders are not read.</param>
    /// <returns>The builder.</returns>
    /// <remarks>The files are read when this is called, in ordinal name order; one bad file fails the call and names it.</remarks>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="SessionFormatException">A file is not a session document holding one session.</exception>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty, or a file's name is already a registered template's.</exception>
    public static ISessionsBuilder AddSessionTemplateDirectory(this ISessionsBuilder builder, string directory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"The session template folder '{full}' (AddSessionTemplateDirectory) does not exist.");
        }

        foreach (var file in Directory.EnumerateFiles(full, "*.json").Order(StringComparer.Ordinal))
        {
            builder.AddSessionTemplateFile(file);
        }

        return builder;
    }

    /// <summary>Starts the new session from a registered template: its settings first, then whatever this builder is told after.</summary>
    /// <param name="builder">The session builder.</param>
    /// <param name="name">The template's name.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">No template has that name.</exception>
    public static SessionBuilder FromTemplate(this SessionBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var template = builder.Manager.Templates.Find(name) ?? throw new ArgumentException(
            $"No session template named '{name}' is registered (registered: {string.Join(", ", builder.Manager.Templates.Names)}).", nameof(name));
        return builder.FromTemplate(template).WithMetadata(TemplateMetadataKey, name);
    }

    /// <summary>Starts the new session from a template: its settings first, then whatever this builder is told after.</summary>
    /// <param name="builder">The session builder.</param>
    /// <param name="template">The template.</param>
    /// <returns>The builder.</returns>
    public static SessionBuilder FromTemplate(this SessionBuilder builder, SessionTemplate template)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(template);
        if (template.Title is { } title) builder.WithTitle(title);
        if (template.SystemPrompt is not null) builder.WithSystemPrompt(template.SystemPrompt);
        if (template.Tags.Count > 0) builder.WithTags(template.Tags);
        foreach (var (key, value) in template.Metadata) builder.WithMetadata(key, value);
        if (template.Kind is { } kind) builder.WithKind(kind);
        if (template.ProviderName is { Length: > 0 } provider) builder.WithProvider(provider, template.ModelId);
        else if (template.ModelId is { Length: > 0 } model) builder.WithModel(model);
        if (template.Messages.Count > 0) builder.WithMessages(template.Messages.Select(m => m.Clone()));
        return builder;
    }

    /// <summary>Saves a session as a template (its title, system prompt, messages, tags, metadata, kind, provider and model) and registers it by name.</summary>
    /// <param name="manager">The session manager.</param>
    /// <param name="sessionId">The session to copy; it is not changed.</param>
    /// <param name="templateName">The name to register the template under, replacing any template of that name in this manager.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The template.</returns>
    /// <exception cref="SessionNotFoundException">The session does not exist.</exception>
    /// <exception cref="ArgumentException">An argument is not valid.</exception>
    public static async Task<SessionTemplate> SaveAsTemplateAsync(this ISessionManager manager, string sessionId, string templateName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manager);
        SessionIds.Validate(sessionId, nameof(sessionId));
        ArgumentException.ThrowIfNullOrWhiteSpace(templateName);
        var info = await manager.Storage.GetAsync(sessionId, cancellationToken).ConfigureAwait(false) ?? throw new SessionNotFoundException(sessionId);
        var messages = await manager.Storage.GetMessagesAsync(sessionId, MessageRange.All, cancellationToken).ConfigureAwait(false);
        var template = SessionTemplate.From(info, messages);
        if (manager is SessionManager concrete) concrete.Templates.Set(templateName, template);
        return template;
    }
}

/// <summary>One template registered in DI.</summary>
internal sealed record SessionTemplateRegistration(string Name, SessionTemplate Template);

/// <summary>The templates a manager knows by name: those registered in DI plus those saved at run time.</summary>
internal sealed class SessionTemplateRegistry
{
    private readonly ConcurrentDictionary<string, SessionTemplate> _templates = new(StringComparer.OrdinalIgnoreCase);

    public SessionTemplateRegistry(IEnumerable<SessionTemplateRegistration> registrations)
    {
        foreach (var r in registrations) _templates[r.Name] = r.Template;
    }

    public IEnumerable<string> Names => _templates.Keys.Order(StringComparer.OrdinalIgnoreCase);

    public SessionTemplate? Find(string name) => _templates.TryGetValue(name, out var t) ? t : null;

    public void Set(string name, SessionTemplate template) => _templates[name] = template;
}
