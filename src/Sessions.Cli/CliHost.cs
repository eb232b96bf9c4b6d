using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sessions.Sdk;

namespace Sessions.Cli;

/// <summary>The SDK as the tool uses it: one store and the providers the environment configures.</summary>
internal sealed class CliHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private CliHost(ServiceProvider services, IReadOnlyList<string> providers, string? defaultProvider)
    {
        _services = services;
        Sessions = services.GetRequiredService<ISessionManager>();
        Providers = providers;
        DefaultProvider = defaultProvider;
    }

    public ISessionManager Sessions { get; }

    public IServiceProvider Services => _services;

    /// <summary>The providers configured from the environment, in preference order.</summary>
    public IReadOnlyList<string> Providers { get; }

    public string? DefaultProvider { get; }

    public static CliHost Create(string? store, string? provider, string? model, Action<ISessionsBuilder>? configure = null)
    {
        var services = new ServiceCollection();
        var configured = new List<string>();
        string? openAiKey = Env("OPENAI_API_KEY"), openAiUrl = Env("OPENAI_BASE_URL"), anthropicKey = Env("ANTHROPIC_API_KEY");
        if (openAiKey is not null || openAiUrl is not null) configured.Add("openai");
        if (anthropicKey is not null) configured.Add("anthropic");
        bool demo = string.Equals(provider ?? Env("SESSIONS_PROVIDER"), "demo", StringComparison.OrdinalIgnoreCase);
        if (demo) configured.Add("demo");

        string? defaultProvider = provider ?? Env("SESSIONS_PROVIDER") ?? (configured.Count > 0 ? configured[0] : null);
        if (provider is not null && !configured.Contains(provider, StringComparer.OrdinalIgnoreCase))
        {
            throw new CliException(provider.ToUpperInvariant() switch
            {
                "OPENAI" => "The provider 'openai' is not configured: set OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server such as Ollama).",
                "ANTHROPIC" => "The provider 'anthropic' is not configured: set ANTHROPIC_API_KEY.",
                _ => $"Unknown provider '{provider}'. Use openai (OPENAI_API_KEY, OPENAI_BASE_URL), anthropic (ANTHROPIC_API_KEY) or demo (offline).",
            }, CliExitCode.Usage);
        }

        var builder = services.AddSessions(o =>
        {
            o.DefaultProvider = defaultProvider;
            o.DefaultModel = model;
        });
        // Each package is registered in its own method, so a run that does not use it never loads its assembly.
        if (configured.Contains("openai"))
        {
            AddOpenAI(builder, openAiUrl, openAiKey);
        }

        if (configured.Contains("anthropic"))
        {
            AddAnthropic(builder, anthropicKey);
        }

        if (demo)
        {
            builder.AddDemoProvider("demo");
        }

        UseStore(builder, store ?? Env("SESSIONS_STORE"));
        configure?.Invoke(builder);
        var provider2 = services.BuildServiceProvider();
        return new CliHost(provider2, configured, defaultProvider);
    }

    /// <summary>
    /// Starts compiling the dependency-injection container's own code on another core while the command line is parsed.
    /// </summary>
    /// <remarks>
    /// The container keeps its registrations in collections keyed by its internal structures: code no ReadyToRun image can
    /// hold, so a new process JIT-compiles about 70 such methods (10 ms or more) before its first service is resolved. The
    /// warm-up builds a container of its own with one options type and one service and resolves them, then writes one session
    /// as JSON into memory; it shares nothing with the command's container and touches no storage. On a single core it would
    /// only compete with the command, so it does not run there.
    /// </remarks>
    public static void StartWarmUp()
    {
        if (Environment.ProcessorCount < 2) return;
        var thread = new Thread(WarmUp) { IsBackground = true, Name = "sessions warm-up" };
        thread.Start();
    }

    private static void WarmUp()
    {
        try
        {
            var services = new ServiceCollection();
            services.AddOptions<WarmUpOptions>().Configure(static o => o.Ready = true);
            services.AddSingleton<IValidateOptions<WarmUpOptions>, WarmUpValidator>();
            services.AddSingleton<WarmUpService>();
            using var provider = services.BuildServiceProvider();
            _ = provider.GetRequiredService<IOptions<WarmUpOptions>>().Value;
            _ = provider.GetServices<WarmUpService>();
            Render.WarmUpJson();
        }
#pragma warning disable CA1031 // A warm-up that fails changes nothing: the command builds its own container and reports its own errors.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private sealed class WarmUpOptions
    {
        public bool Ready { get; set; }
    }

    private sealed class WarmUpValidator : IValidateOptions<WarmUpOptions>
    {
        public ValidateOptionsResult Validate(string? name, WarmUpOptions options) => options.Ready ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail("Not configured.");
    }

    private sealed class WarmUpService(IOptions<WarmUpOptions> options)
    {
        public bool Ready => options.Value.Ready;
    }

    /// <summary>Throws the one-line error the user sees when a command needs a model and none is configured.</summary>
    public void RequireProvider()
    {
        if (DefaultProvider is null)
        {
            throw new CliException("No model provider is configured. Set OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server such as Ollama) or ANTHROPIC_API_KEY, then run again (or try --provider demo, an offline echo model).");
        }
    }

    private static void UseStore(ISessionsBuilder builder, string? store)
    {
        if (string.IsNullOrWhiteSpace(store))
        {
            return; // the SDK's default per-user file store
        }

        if (store.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            string path = store["sqlite:".Length..];
            if (path.Length == 0) throw new CliException("--store sqlite:<path> needs a database path, e.g. sqlite:./sessions.db.", CliExitCode.Usage);
            UseSqlite(builder, $"Data Source={path}");
            return;
        }

        if (string.Equals(store, "postgres", StringComparison.OrdinalIgnoreCase) || string.Equals(store, "postgresql", StringComparison.OrdinalIgnoreCase))
        {
            string connection = Env("SESSIONS_POSTGRES")
                ?? throw new CliException("--store postgres reads its connection string from SESSIONS_POSTGRES, which is not set.", CliExitCode.Usage);
            UsePostgreSql(builder, connection);
            return;
        }

        builder.UseFileStorage(store);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UseSqlite(ISessionsBuilder builder, string connectionString) => builder.UseSqliteStorage(connectionString);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UsePostgreSql(ISessionsBuilder builder, string connectionString) => builder.UsePostgreSqlStorage(connectionString);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddOpenAI(ISessionsBuilder builder, string? url, string? key) =>
        builder.AddOpenAIProvider("openai", o =>
        {
            if (url is not null) o.Endpoint = new Uri(url, UriKind.Absolute);
            o.ApiKey = key ?? "not-needed";
            if (Env("OPENAI_MODEL") is { } m) o.DefaultModel = m;
        });

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddAnthropic(ISessionsBuilder builder, string? key) =>
        builder.AddAnthropicProvider("anthropic", o =>
        {
            o.ApiKey = key;
            if (Env("ANTHROPIC_MODEL") is { } m) o.DefaultModel = m;
        });

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
