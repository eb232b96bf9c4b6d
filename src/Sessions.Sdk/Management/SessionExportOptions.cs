namespace Sessions.Sdk;

/// <summary>Configures a session export.</summary>
public sealed class SessionExportOptions
{
    /// <summary>Gets or sets the output format.</summary>
    /// <value>The default value is <see cref="SessionExportFormat.Json"/>.</value>
    public SessionExportFormat Format { get; set; } = SessionExportFormat.Json;

    /// <summary>Gets or sets the redactor applied to every piece of text exported (messages, tool calls, titles, prompts, metadata).</summary>
    /// <value>The default value is <see langword="null"/> (nothing is redacted); <see cref="SessionRedactor.Default"/> removes common secrets.</value>
    public ISessionRedactor? Redactor { get; set; }

    /// <summary>Gets or sets a value indicating whether a single-session Json export is written as a bundle too.</summary>
    /// <value>The default value is <see langword="false"/>: one session gives a session document, a query gives a bundle.</value>
    public bool AlwaysBundle { get; set; }
}
