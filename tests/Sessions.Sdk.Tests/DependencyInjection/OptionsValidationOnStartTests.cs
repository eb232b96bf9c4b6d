using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk.Tests;

/// <summary>Every options class of Sessions.Sdk registered through DI fails at host start, naming the option, before anything uses it.</summary>
public sealed class OptionsValidationOnStartTests
{
    private string _root = null!;

    [SetUp]
    public void SetUp() => _root = Directory.CreateTempSubdirectory("sessions-options-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    public static IEnumerable<TestCaseData> BadValues()
    {
        yield return Case(typeof(SessionsOptions), "SessionsOptions.Temperature", (s, _) => s.AddSessions(o => o.Temperature = 3f).UseMemoryStorage());
        yield return Case(typeof(SessionsOptions), "SessionsOptions.MaxToolIterations", (s, _) => s.AddSessions(o => o.MaxToolIterations = 0).UseMemoryStorage());
        yield return Case(typeof(ChatPipelineOptions), "ToolInvocationOptions.MaxConsecutiveErrors", (s, _) => s.AddSessions().UseMemoryStorage().ConfigureChat(o => o.ToolInvocation.MaxConsecutiveErrors = -1));
        yield return Case(typeof(ChatPipelineOptions), "MaxRetryAttempts", (s, _) => s.AddSessions().UseMemoryStorage().ConfigureResilience(o => o.MaxRetryAttempts = 99));
        yield return Case(typeof(PlanningOptions), "PlanningOptions.MaxSteps", (s, _) => s.AddSessions().UseMemoryStorage().AddPlanning(o => o.MaxSteps = 0));
        yield return Case(typeof(EditingOptions), "EditingOptions.MaxFileSize", (s, _) => s.AddSessions().UseMemoryStorage().AddEditing(o => o.MaxFileSize = 0));
        yield return Case(typeof(FileStorageOptions), "FileStorageOptions.SummaryInterval", (s, root) =>
        {
            s.AddSessions().UseFileStorage(Path.Combine(root, "store"));
            s.Configure<FileStorageOptions>(o => o.SummaryInterval = 10); // e.g. bound from configuration after registration
        });
        yield return Case(typeof(FileStorageOptions), "FileStorageOptions.LockTimeout", (s, root) =>
        {
            s.AddSessions(); // the default file store
            s.Configure<FileStorageOptions>(o =>
            {
                o.Directory = Path.Combine(root, "store");
                o.LockTimeout = TimeSpan.Zero;
            });
        });

        static TestCaseData Case(Type optionsType, string named, Action<IServiceCollection, string> register) =>
            new TestCaseData(optionsType, named, register).SetArgDisplayNames(named);
    }

    [TestCaseSource(nameof(BadValues))]
    public async Task BadValue_FailsAtHostStartNamingTheOption(Type optionsType, string named, Action<IServiceCollection, string> register)
    {
        var services = new ServiceCollection();
        register(services, _root);
        await using var provider = services.BuildServiceProvider();

        // What a host runs on StartAsync for ValidateOnStart; nothing has resolved the manager, a store or a provider yet.
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () => await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(ex.Message, Does.Contain(named));
            Assert.That(ex.OptionsType, Is.EqualTo(optionsType));
            Assert.That(ex.Failures, Has.Some.Contains(named));
            Assert.That(Directory.Exists(Path.Combine(_root, "store")), Is.False, "no store was created with the bad value");
        });
    }

    [Test]
    public void UseFileStorage_TwiceThenDefaultDirectory_LastCallWinsOverTheEarlierCallsOptions()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseFileStorage(Path.Combine(_root, "first"), o => o.SummaryInterval = 4096).UseFileStorage(Path.Combine(_root, "second"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<FileStorageOptions>>().Value;

        Assert.Multiple(() =>
        {
            Assert.That(options.Directory, Is.EqualTo(Path.Combine(_root, "second")));
            Assert.That(options.SummaryInterval, Is.EqualTo(new FileStorageOptions().SummaryInterval), "the first call's settings are replaced, not merged");
        });
    }

    [Test]
    public async Task FileStorageOptions_BoundAfterUseFileStorage_AreWhatTheStoreUses()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseFileStorage(Path.Combine(_root, "given"));
        services.Configure<FileStorageOptions>(o => o.Directory = Path.Combine(_root, "bound"));
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None);
        _ = provider.GetRequiredService<ISessionStorage>();

        Assert.That(Directory.Exists(Path.Combine(_root, "bound")), Is.True);
    }
}
