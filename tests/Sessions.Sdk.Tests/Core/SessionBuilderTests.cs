using Microsoft.Extensions.AI;

namespace Sessions.Sdk.Tests;

public sealed class SessionBuilderTests
{
    private CoreTestHost _host = null!;

    [SetUp]
    public void SetUp() => _host = new CoreTestHost();

    [TearDown]
    public void TearDown() => _host.Dispose();

    [Test]
    public void WithTags_BlankTag_ThrowsArgumentException()
    {
        var builder = _host.Sessions.Create("s");

        Assert.Throws(Is.InstanceOf<ArgumentException>(), () => builder.WithTags("ok", " "));
    }

    [Test]
    public void WithMetadata_BlankKey_ThrowsArgumentException()
    {
        var ex = Assert.Throws(Is.InstanceOf<ArgumentException>(), () => _host.Sessions.Create("s").WithMetadata("", "v")) as ArgumentException;
        Assert.That(ex!.ParamName, Is.EqualTo("key"));
    }

    [Test]
    public void WithProvider_Blank_ThrowsArgumentException()
    {
        var ex = Assert.Throws(Is.InstanceOf<ArgumentException>(), () => _host.Sessions.Create("s").WithProvider(" ")) as ArgumentException;
        Assert.That(ex!.ParamName, Is.EqualTo("providerName"));
    }

    [Test]
    public void WithMessages_NullMessage_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => _host.Sessions.Create("s").WithMessages(new ChatMessage(ChatRole.User, "a"), null!));
    }

    [Test]
    public async Task SessionId_WithoutId_IsGeneratedByCreateAsync()
    {
        var builder = _host.Sessions.Create();
        Assert.That(builder.SessionId, Is.Null);

        var s = await builder.CreateAsync();

        Assert.That(builder.SessionId, Is.EqualTo(s.Id));
    }

    [Test]
    public async Task WithModel_KeepsDefaultProvider()
    {
        var s = await _host.Sessions.Create("s").WithModel("m2").CreateAsync();

        await s.SendAsync("hi");

        Assert.That(s.ProviderName, Is.Null);
        Assert.That(_host.Client.Calls[0].Options!.ModelId, Is.EqualTo("m2"));
    }

    [Test]
    public async Task WithAutosave_False_OverridesOptions()
    {
        var s = await _host.Sessions.Create("s").WithAutosave(false).CreateAsync();

        Assert.That(s.Autosave, Is.False);
        Assert.That(await _host.Sessions.ExistsAsync("s"), Is.True, "the session record itself is stored on creation");
    }

    [Test]
    public async Task OpenOrCreateAsync_ConcurrentCallers_AllGetTheSameSession()
    {
        var sessions = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _host.Sessions.Create("shared").OpenOrCreateAsync())));

        Assert.That(sessions.Select(s => s.Id), Is.All.EqualTo("shared"));
        int count = 0;
        await foreach (var _ in _host.Sessions.ListAsync())
        {
            count++;
        }

        Assert.That(count, Is.EqualTo(1));
    }
}
