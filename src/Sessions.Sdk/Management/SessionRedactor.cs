using System.Text.RegularExpressions;

namespace Sessions.Sdk;

/// <summary>Redacts text with regular expressions: by default common API keys, bearer tokens and private keys.</summary>
/// <remarks>
/// The default patterns match OpenAI (<c>sk-…</c>, <c>sk-proj-…</c>), Anthropic (<c>sk-ant-…</c>), AWS access key ids
/// (<c>AKIA…</c>, <c>ASIA…</c>) and <c>aws_secret_access_key</c> assignments, GitHub tokens (<c>ghp_…</c>, <c>gho_…</c>,
/// <c>ghs_…</c>, <c>ghu_…</c>, <c>ghr_…</c>, <c>github_pat_…</c>), <c>Bearer …</c> tokens and PEM private key blocks.
/// E-mail addresses are redacted on request (<see cref="Create"/>). Immutable and thread-safe.
/// </remarks>
public sealed partial class SessionRedactor : ISessionRedactor
{
    /// <summary>The text that replaces each secret unless another is given.</summary>
    public const string DefaultReplacement = "[REDACTED]";

    private readonly Regex[] _patterns;
    private readonly string _replacement;

    private SessionRedactor(IEnumerable<Regex> patterns, string replacement)
    {
        _patterns = [.. patterns];
        _replacement = replacement;
    }

    /// <summary>Gets a redactor with the default patterns (API keys, bearer tokens, private keys; not e-mails).</summary>
    public static SessionRedactor Default { get; } = new(DefaultPatterns(), DefaultReplacement);

    /// <summary>Creates a redactor with the default patterns plus the ones asked for.</summary>
    /// <param name="includeEmails"><see langword="true"/> to redact e-mail addresses too.</param>
    /// <param name="additionalPatterns">More patterns to redact; each match is replaced whole.</param>
    /// <param name="replacement">The text that replaces each secret.</param>
    /// <returns>The redactor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="replacement"/> is null.</exception>
    public static SessionRedactor Create(bool includeEmails = false, IEnumerable<Regex>? additionalPatterns = null, string replacement = DefaultReplacement)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        var patterns = new List<Regex>(DefaultPatterns());
        if (includeEmails) patterns.Add(EmailPattern());
        if (additionalPatterns is not null)
        {
            foreach (var pattern in additionalPatterns)
            {
                ArgumentNullException.ThrowIfNull(pattern, nameof(additionalPatterns));
                patterns.Add(pattern);
            }
        }

        return new SessionRedactor(patterns, replacement);
    }

    /// <inheritdoc/>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string result = text;
        try
        {
            foreach (var pattern in _patterns)
            {
                result = pattern.Replace(result, _replacement);
            }
        }
        catch (RegexMatchTimeoutException)
        {
            // Never let text through that could not be checked.
            return _replacement;
        }

        return result;
    }

    private static IEnumerable<Regex> DefaultPatterns() =>
    [
        PrivateKeyPattern(), AnthropicKeyPattern(), OpenAIKeyPattern(), AwsAccessKeyPattern(), AwsSecretPattern(),
        GitHubTokenPattern(), GitHubPatPattern(), BearerPattern(),
    ];

    [GeneratedRegex(@"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex PrivateKeyPattern();

    [GeneratedRegex(@"sk-ant-[A-Za-z0-9_\-]{16,}", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex AnthropicKeyPattern();

    [GeneratedRegex(@"sk-(proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex OpenAIKeyPattern();

    [GeneratedRegex(@"\b(AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}\b", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex AwsAccessKeyPattern();

    [GeneratedRegex(@"(?i)(aws_secret_access_key|aws_secret|secret_access_key)(\s*[:=]\s*[""']?)[A-Za-z0-9/+=]{40}", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex AwsSecretPattern();

    [GeneratedRegex(@"\bgh[pousr]_[A-Za-z0-9]{36,}\b", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex GitHubTokenPattern();

    [GeneratedRegex(@"\bgithub_pat_[A-Za-z0-9_]{22,}\b", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex GitHubPatPattern();

    [GeneratedRegex(@"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]+=*", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex BearerPattern();

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex EmailPattern();
}
