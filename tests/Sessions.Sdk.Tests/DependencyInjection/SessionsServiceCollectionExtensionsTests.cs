using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk.Tests;

public sealed class SessionsServiceCollectionExtensionsTests
{
    [Test]
    public void AddSessions_ReturnsBuilderOverSameServices()
    {
        var services = new ServiceCollection();

        var builder = services.AddSessions();

        Assert.That(builder.Services, Is.SameAs(services));
    }

    [Test]
    public void AddSessions_Resolved_ManagerRegistryAndStorageAreSingletons()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseStorage(new CoreTestStorage());

        Assert.That(services.Single(d => d.ServiceType == typeof(ISessionManager)).Lifetime, Is.EqualTo(ServiceLifetime.Singleton));
        Assert.That(services.Single(d => d.ServiceType == typeof(ChatProviderRegistry)).Lifetime, Is.EqualTo(ServiceLifetime.Singleton));
        Assert.That(services.Single(d => d.ServiceType == typeof(ISessionStorage)).Lifetime, Is.EqualTo(ServiceLifetime.Singleton));
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        using var scope = provider.CreateScope();
        Assert.That(scope.ServiceProvider.GetRequiredService<ISessionManager>(), Is.SameAs(provider.GetRequiredService<ISessionManager>()));
        Assert.That(provider.GetRequiredService<TimeProvider>(), Is.SameAs(TimeProvider.System));
    }

    [Test]
    public void AddSessions_CalledTwice_RegistersOnceAndAppliesBothConfigurations()
    {
        var services = new ServiceCollection();

        services.AddSessions(o => o.DefaultProvider = "a").AddDemoProvider("a");
        services.AddSessions(o => o.MaxHistoryMessages = 7);
        int countAfterTwo = services.Count;
        services.AddSessions();

        Assert.That(services.Count(d => d.ServiceType == typeof(ISessionManager)), Is.EqualTo(1));
        Assert.That(services.Count(d => d.ServiceType == typeof(IValidateOptions<SessionsOptions>) && d.ImplementationType == typeof(SessionsOptionsValidator)), Is.EqualTo(1));
        Assert.That(services.Count(d => d.ServiceType == typeof(IValidateOptions<SessionsOptions>) && d.ImplementationType == typeof(SessionsStartupValidator)), Is.EqualTo(1));
        Assert.That(services.Count(d => d.ServiceType == typeof(ISessionStorage)), Is.LessThanOrEqualTo(1));
        Assert.That(services, Has.Count.EqualTo(countAfterTwo));
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<SessionsOptions>>().Value;
        Assert.That((options.DefaultProvider, options.MaxHistoryMessages), Is.EqualTo(("a", (int?)7)));
    }

    [Test]
    public void AddSessions_NothingChosen_DefaultsToFileStorage()
    {
        var services = new ServiceCollection();

        services.AddSessions();

        var storage = services.Single(d => d.ServiceType == typeof(ISessionStorage));
        Assert.That(storage.Lifetime, Is.EqualTo(ServiceLifetime.Singleton));
        Assert.That(storage.ImplementationFactory, Is.Not.Null, "the default file storage is registered by factory");
    }

    [Test]
    public void AddSessions_AfterUseStorage_KeepsChosenStorage()
    {
        var services = new ServiceCollection();
        var chosen = new CoreTestStorage();

        services.AddSessions().UseStorage(chosen);
        services.AddSessions();

        using var provider = services.BuildServiceProvider();
        Assert.That(provider.GetRequiredService<ISessionManager>().Storage, Is.SameAs(chosen));
    }

    [Test]
    public void AddSessions_NoLoggingRegistered_ManagerStillResolves()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseStorage(new CoreTestStorage());

        using var provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<ISessionManager>(), Is.Not.Null);
    }

    [Test]
    public async Task AddSessions_LoggingRegistered_ManagerLogsThroughIt()
    {
        var services = new ServiceCollection();
        var loggers = new CapturingLoggerFactory();
        services.AddSingleton<ILoggerFactory>(loggers);
        services.AddSessions().UseStorage(new CoreTestStorage());
        using var provider = services.BuildServiceProvider();
        var sessions = provider.GetRequiredService<ISessionManager>();

        await sessions.Create("logged").CreateAsync();
        await sessions.DeleteAsync("logged");                    // to the trash: 5100
        await sessions.DeleteAsync("logged", permanent: true);   // purged from it: 1003

        var mine = loggers.Entries.Where(e => e.Category == "Sessions.Sdk").ToList();
        Assert.That(mine.Select(e => e.EventId), Is.SupersetOf(new[] { 1001, 5100, 1003 }));
        Assert.That(mine.Single(e => e.EventId == 1001).Message, Is.EqualTo("Created session logged (0 messages)"));
    }

    [Test]
    public void AddSessions_UserTimeProvider_IsKept()
    {
        var services = new ServiceCollection();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        services.AddSingleton<TimeProvider>(time);

        services.AddSessions().UseStorage(new CoreTestStorage());

        using var provider = services.BuildServiceProvider();
        Assert.That(provider.GetRequiredService<TimeProvider>(), Is.SameAs(time));
    }

    [Test]
    public void GetService_NoStorageRegistered_ThrowsNamingTheUseMethods()
    {
        var services = new ServiceCollection();
        services.AddSessions();
        services.RemoveAll<ISessionStorage>();

        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ISessionManager>());

        Assert.That(ex!.Message, Does.Contain("UseFileStorage").And.Contain("UseMemoryStorage"));
    }

    [TestCase(nameof(SessionsOptions.MaxHistoryMessages), "SessionsOptions.MaxHistoryMessages must be greater than 0 (was 0).")]
    [TestCase(nameof(SessionsOptions.MaxOutputTokens), "SessionsOptions.MaxOutputTokens must be greater than 0 (was -5).")]
    [TestCase(nameof(SessionsOptions.Temperature), "SessionsOptions.Temperature must be between 0 and 2 (was 3).")]
    [TestCase(nameof(SessionsOptions.MaxToolIterations), "SessionsOptions.MaxToolIterations must be between 1 and 1000 (was 0).")]
    [TestCase(nameof(SessionsOptions.DefaultProvider), "SessionsOptions.DefaultProvider must not be empty or white space; leave it null to use the only registered provider.")]
    [TestCase(nameof(SessionsOptions.DefaultModel), "SessionsOptions.DefaultModel must not be empty or white space; leave it null to use the provider's default model.")]
    public void GetService_InvalidOption_ThrowsNamingTheOption(string option, string expected)
    {
        var services = new ServiceCollection();
        services.AddSessions(o =>
        {
            switch (option)
            {
                case nameof(SessionsOptions.MaxHistoryMessages): o.MaxHistoryMessages = 0; break;
                case nameof(SessionsOptions.MaxOutputTokens): o.MaxOutputTokens = -5; break;
                case nameof(SessionsOptions.Temperature): o.Temperature = 3; break;
                case nameof(SessionsOptions.MaxToolIterations): o.MaxToolIterations = 0; break;
                case nameof(SessionsOptions.DefaultProvider): o.DefaultProvider = " "; break;
                case nameof(SessionsOptions.DefaultModel): o.DefaultModel = ""; break;
            }
        }).UseStorage(new CoreTestStorage());

        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ISessionManager>());

        Assert.That(ex!.Failures, Is.EqualTo(new[] { expected }));
    }

    [Test]
    public async Task AddSessions_InvalidOption_IsCheckedAtStartup()
    {
        var services = new ServiceCollection();
        services.AddSessions(o => o.MaxHistoryMessages = -1).UseStorage(new CoreTestStorage());

        using var provider = services.BuildServiceProvider();
        var startup = provider.GetRequiredService<IAsyncStartupValidator>();

        await Assert.ThatAsync(async () => await startup.ValidateAsync(CancellationToken.None), Throws.TypeOf<OptionsValidationException>());
    }

    [Test]
    public void AddSessions_Configuration_BindsEveryOption()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sessions:DefaultProvider"] = "anthropic",
            ["Sessions:DefaultModel"] = "claude-x",
            ["Sessions:Autosave"] = "false",
            ["Sessions:SystemPrompt"] = "Be brief.",
            ["Sessions:Temperature"] = "0.5",
            ["Sessions:MaxOutputTokens"] = "256",
            ["Sessions:MaxHistoryMessages"] = "50",
            ["Sessions:ToolsEnabled"] = "false",
            ["Sessions:MaxToolIterations"] = "4",
        }).Build();
        var services = new ServiceCollection();

        services.AddSessions(configuration.GetSection("Sessions")).UseStorage(new CoreTestStorage()).AddDemoProvider("anthropic");

        using var provider = services.BuildServiceProvider();
        var o = provider.GetRequiredService<IOptions<SessionsOptions>>().Value;
        Assert.That(
            (o.DefaultProvider, o.DefaultModel, o.Autosave, o.SystemPrompt, o.Temperature, o.MaxOutputTokens, o.MaxHistoryMessages, o.ToolsEnabled, o.MaxToolIterations),
            Is.EqualTo(("anthropic", "claude-x", false, "Be brief.", (float?)0.5f, (int?)256, (int?)50, false, 4)));
        Assert.That(services.Count(d => d.ServiceType == typeof(ISessionManager)), Is.EqualTo(1));
    }

    [Test]
    public void AddSessions_ConfigurationWithInvalidValue_ThrowsNamingTheOption()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["MaxHistoryMessages"] = "-3" }).Build();
        var services = new ServiceCollection();
        services.AddSessions(configuration).UseStorage(new CoreTestStorage());

        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ISessionManager>());

        Assert.That(ex!.Message, Does.Contain("SessionsOptions.MaxHistoryMessages"));
    }

    [Test]
    public void SessionsOptions_Defaults_AreDocumentedValues()
    {
        var o = new SessionsOptions();

        Assert.That(o.Autosave, Is.True);
        Assert.That(o.ToolsEnabled, Is.True);
        Assert.That(o.MaxToolIterations, Is.EqualTo(10));
        Assert.That(o.MaxHistoryMessages, Is.EqualTo(100), "a bounded default context (issue 8)");
        Assert.That(new object?[] { o.DefaultProvider, o.DefaultModel, o.SystemPrompt, o.Temperature, o.MaxOutputTokens }, Is.All.Null);
    }

    [Test]
    public async Task AddSessions_FromDefaultOptionsAutosaveOff_SessionsBuffer()
    {
        var services = new ServiceCollection();
        var storage = new CoreTestStorage();
        services.AddSessions(o => o.Autosave = false).UseStorage(storage).AddChatProvider("p", CoreTestChatClient.Echo());
        using var provider = services.BuildServiceProvider();
        var s = await provider.GetRequiredService<ISessionManager>().Create("s").CreateAsync();

        await s.AddMessageAsync(new ChatMessage(ChatRole.User, "x"));

        Assert.That(s.Autosave, Is.False);
        Assert.That(storage.Snapshot("s"), Is.Empty);
    }

    private sealed class CapturingLoggerFactory : ILoggerFactory
    {
        public List<(string Category, int EventId, string Message)> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerFactory owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner.Entries)
                {
                    owner.Entries.Add((category, eventId.Id, formatter(state, exception)));
                }
            }
        }
    }

    [Test]
    public async Task Manager_ManagingSessions_NeverBuildsTheChatPipeline_TheFirstModelCallDoes()
    {
        int pipelineOptionsBuilt = 0;
        var services = new ServiceCollection();
        services.AddSessions().UseMemoryStorage().AddDemoProvider().ConfigureChat(_ => pipelineOptionsBuilt++);
        using var provider = services.BuildServiceProvider();
        var sessions = provider.GetRequiredService<ISessionManager>();

        var session = await sessions.Create("lazy").CreateAsync();
        await session.AddMessageAsync(new ChatMessage(ChatRole.User, "stored without a model"));
        int listed = 0;
        await foreach (var _ in sessions.ListAsync(new SessionQuery()))
        {
            listed++;
        }

        using (var export = new MemoryStream())
        {
            await sessions.ExportAsync("lazy", export, new SessionExportOptions { Format = SessionExportFormat.Json });
            Assert.That(export.Length, Is.GreaterThan(0));
        }

        Assert.That((listed, pipelineOptionsBuilt), Is.EqualTo((1, 0)), "listing, appending and exporting built the chat pipeline");

        var reply = await session.SendAsync("hello");
        await session.SendAsync("again");

        Assert.That(reply.Text, Is.Not.Empty);
        Assert.That(pipelineOptionsBuilt, Is.EqualTo(1), "the pipeline options are built once, on the first model call");
    }
}
