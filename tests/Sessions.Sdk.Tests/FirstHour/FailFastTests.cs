using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk.Tests;

/// <summary>Issue 10: each way a first hour used to fail late or silently now fails at startup, naming the setting and the fix.</summary>
public sealed class FailFastTests
{
    private string _root = null!;

    [SetUp]
    public void SetUp() => _root = Directory.CreateTempSubdirectory("sessions-failfast-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    public void FileStore_DirectoryIsAFile_FailsWhenResolvedNamingTheSetting()
    {
        string file = Path.Combine(_root, "sessions");
        File.WriteAllText(file, "not a folder");
        var services = new ServiceCollection();
        services.AddSessions().UseFileStorage(file).AddDemoProvider();
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ISessionManager>());

        Assert.That(ex!.OptionsType, Is.EqualTo(typeof(FileStorageOptions)));
        Assert.That(ex.Message, Does.Contain("FileStorageOptions.Directory").And.Contain(file).And.Contain("is a file, not a folder"));
    }

    [Test]
    public void FileStore_DirectoryUnderAFile_FailsNamingTheFile()
    {
        string file = Path.Combine(_root, "data");
        File.WriteAllText(file, "x");
        var services = new ServiceCollection();
        services.AddSessions().UseFileStorage(Path.Combine(file, "sessions"));
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ISessionManager>());

        Assert.That(ex!.Message, Does.Contain("FileStorageOptions.Directory").And.Contain($"'{file}' is a file"));
    }

    [Test]
    public void FileStore_DirectoryNotWritable_FailsNamingTheSettingAndTheFix()
    {
        // /proc refuses new entries even to root, so the check is real wherever the tests run (CI runs as root).
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("Needs /proc (Linux).");
        }

        var services = new ServiceCollection();
        services.AddSessions().UseFileStorage("/proc/self/sessions-test");
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ISessionManager>());

        Assert.That(ex!.Message, Does.Contain("FileStorageOptions.Directory").And.Contain("cannot create or write to").And.Contain("Choose a folder this user can write to"));
    }

    [Test]
    public async Task FileStore_BadLocation_FailsAtHostStart()
    {
        string file = Path.Combine(_root, "sessions");
        File.WriteAllText(file, "not a folder");
        var services = new ServiceCollection();
        services.AddSessions().UseFileStorage(file);
        using var provider = services.BuildServiceProvider();

        // What a host runs on StartAsync for ValidateOnStart.
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () => await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None));

        Assert.That(ex.Message, Does.Contain("FileStorageOptions.Directory"));
    }

    [Test]
    public void DefaultProvider_Misspelled_FailsWhenResolvedListingRegisteredProviders()
    {
        var services = new ServiceCollection();
        services.AddSessions(o => o.DefaultProvider = "opneai").UseMemoryStorage().AddDemoProvider("openai").AddDemoProvider("local");
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ISessionManager>());

        Assert.That(ex!.OptionsType, Is.EqualTo(typeof(SessionsOptions)));
        Assert.That(ex.Message, Does.Contain("SessionsOptions.DefaultProvider").And.Contain("'opneai'").And.Contain("registered: local, openai"));
    }

    [Test]
    public async Task DefaultProvider_Misspelled_FailsAtHostStartBeforeAnySend()
    {
        var services = new ServiceCollection();
        services.AddSessions(o => o.DefaultProvider = "anthropc").UseMemoryStorage().AddDemoProvider("anthropic");
        using var provider = services.BuildServiceProvider();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () => await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None));

        Assert.That(ex.Message, Does.Contain("SessionsOptions.DefaultProvider").And.Contain("'anthropc'"));
    }

    [Test]
    public async Task DefaultProvider_RegisteredInOtherCase_Starts()
    {
        var services = new ServiceCollection();
        services.AddSessions(o => o.DefaultProvider = "DEMO").UseMemoryStorage().AddDemoProvider();
        await using var provider = services.BuildServiceProvider();

        var sessions = provider.GetRequiredService<ISessionManager>();
        var session = await sessions.Create("case").CreateAsync();
        var reply = await session.SendAsync("hi");

        Assert.That(reply.Text, Does.Contain("You said \"hi\""));
    }

    [TestCase(-5)]
    [TestCase(-1)]
    public void SessionQuery_NegativeTake_ThrowsNamingTake(int take)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new SessionQuery { Take = take });
        Assert.That(ex!.ParamName, Is.EqualTo(nameof(SessionQuery.Take)));
    }

    [Test]
    public void SessionQuery_NegativeSkip_ThrowsNamingSkip()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new SessionQuery { Skip = -1 });
        Assert.That(ex!.ParamName, Is.EqualTo(nameof(SessionQuery.Skip)));
    }

    [Test]
    public void SessionQuery_NegativeTakeThroughWith_ThrowsNamingTake()
    {
        var query = new SessionQuery { Take = 10 };
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = query with { Take = -5 });
        Assert.That(ex!.ParamName, Is.EqualTo(nameof(SessionQuery.Take)));
    }

    [Test]
    public void SessionSearchQuery_NegativePaging_ThrowsNamingTheProperty()
    {
        var take = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new SessionSearchQuery { Text = "x", Take = -5 });
        var skip = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new SessionSearchQuery { Text = "x", Skip = -1 });
        Assert.That(take!.ParamName, Is.EqualTo(nameof(SessionSearchQuery.Take)));
        Assert.That(skip!.ParamName, Is.EqualTo(nameof(SessionSearchQuery.Skip)));
    }

    [Test]
    public void FileStorageOptions_ApplicationNameWithSeparator_ThrowsNamingTheOption()
    {
        var ex = Assert.Throws<ArgumentException>(() => new FileStorageOptions { ApplicationName = "../other" }.Validate());
        Assert.That(ex!.ParamName, Is.EqualTo(nameof(FileStorageOptions.ApplicationName)));
        Assert.That(ex.Message, Does.Contain("FileStorageOptions.ApplicationName"));
    }

    [Test]
    public void FileStorageOptions_DefaultDirectory_IsPerApplication()
    {
        string a = new FileStorageOptions { ApplicationName = "AppA" }.ResolveDirectory();
        string b = new FileStorageOptions { ApplicationName = "AppB" }.ResolveDirectory();
        string local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);

        Assert.That(a, Is.Not.EqualTo(b));
        Assert.That(a, Does.EndWith(Path.Combine("AppA", "sessions")));
        if (!string.IsNullOrEmpty(local))
        {
            Assert.That(a, Does.StartWith(local));
        }
    }

    [Test]
    public async Task DemoProvider_QuickStartTwice_ResumesInsteadOfDuplicating()
    {
        for (int run = 1; run <= 2; run++)
        {
            var services = new ServiceCollection();
            services.AddSessions().UseFileStorage(_root).AddDemoProvider();
            await using var provider = services.BuildServiceProvider();
            var sessions = provider.GetRequiredService<ISessionManager>();

            Session session = await sessions.Create("support-1234").WithSystemPrompt("Be brief.").OpenOrCreateAsync();
            ChatResponse reply = await session.SendAsync($"run {run}");

            Assert.That(session.MessageCount, Is.EqualTo(2 * run));
            Assert.That(reply.Text, Does.Contain($"You said \"run {run}\""));
            Assert.That(reply.ModelId, Is.EqualTo("demo-echo"));
        }
    }
}
