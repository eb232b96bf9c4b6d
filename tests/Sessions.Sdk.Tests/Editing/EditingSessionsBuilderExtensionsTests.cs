using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sessions.Sdk.Tests;

/// <summary>AddEditing wiring and options validation.</summary>
public sealed class EditingSessionsBuilderExtensionsTests
{
    [Test]
    public void AddEditing_RegistersASingletonManager_AndIsIdempotent()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseMemoryStorage().AddEditing(o => o.MaxFileSize = 2048).AddEditing(o => o.AutoApply = true);
        Assert.That(services.Count(d => d.ServiceType == typeof(IEditSessionManager)), Is.EqualTo(1));
        using var provider = services.BuildServiceProvider();
        var first = provider.GetRequiredService<IEditSessionManager>();
        Assert.That(provider.GetRequiredService<IEditSessionManager>(), Is.SameAs(first));
        var options = provider.GetRequiredService<IOptions<EditingOptions>>().Value;
        Assert.That((options.MaxFileSize, options.AutoApply, options.CreateBackup), Is.EqualTo((2048L, true, true)));
    }

    [Test]
    public void AddEditing_InvalidOptions_FailNamingTheOption()
    {
        var services = new ServiceCollection();
        services.AddSessions().UseMemoryStorage().AddEditing(o => { o.MaxFileSize = 0; o.DiffContextLines = -1; o.ProposalFormat = (EditProposalFormat)7; });
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<EditingOptions>>().Value);
        Assert.That(ex!.Message, Does.Contain("EditingOptions.MaxFileSize").And.Contain("EditingOptions.DiffContextLines").And.Contain("EditingOptions.ProposalFormat must be Json or ToolCalls (was 7)"));
    }

    [Test]
    public void Defaults_MatchTheDocs()
    {
        var o = new EditingOptions();
        Assert.That((o.MaxFileSize, o.CreateBackup, o.AutoApply, o.AllowBinaryFiles, o.DiffContextLines, o.MaxProposalFiles), Is.EqualTo((1_048_576L, true, false, false, 3, 20)));
        Assert.That(o.ProposalFormat, Is.EqualTo(EditProposalFormat.Json));
    }
}
