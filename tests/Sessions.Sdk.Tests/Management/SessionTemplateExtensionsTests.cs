using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.Tests;

public sealed class SessionTemplateExtensionsTests
{
    private static readonly SessionTemplate CodeReview = new()
    {
        Title = "Code review",
        SystemPrompt = "You review pull requests.",
        Messages = [new ChatMessage(ChatRole.User, "Review style: terse."), new ChatMessage(ChatRole.Assistant, "Understood.")],
        Tags = ["review", "code"],
        Metadata = new Dictionary<string, string> { ["team"] = "platform" },
        Kind = new SessionKind("review"),
        ProviderName = "openai",
        ModelId = "gpt-4o",
    };

    [Test]
    public async Task FromTemplate_Registered_AppliesEveryField()
    {
        using var host = new ManagementTestHost(build: b => b.AddSessionTemplate("code-review", CodeReview));

        Session t = await host.Sessions.Create("pr-123").FromTemplate("code-review").CreateAsync();

        var messages = await t.GetMessagesAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(t.Info.Title, Is.EqualTo("Code review"));
            Assert.That(t.Info.SystemPrompt, Is.EqualTo("You review pull requests."));
            Assert.That(t.Info.Tags, Is.EqualTo(new[] { "review", "code" }));
            Assert.That(t.Info.Metadata["team"], Is.EqualTo("platform"));
            Assert.That(t.Info.Metadata[SessionTemplateExtensions.TemplateMetadataKey], Is.EqualTo("code-review"));
            Assert.That(t.Info.Kind, Is.EqualTo(new SessionKind("review")));
            Assert.That(t.Info.ProviderName, Is.EqualTo("openai"));
            Assert.That(t.Info.ModelId, Is.EqualTo("gpt-4o"));
            Assert.That(messages.Select(m => (m.Role, m.Text)), Is.EqualTo(new[] { (ChatRole.User, "Review style: terse."), (ChatRole.Assistant, "Understood.") }));
        }
    }

    [Test]
    public async Task FromTemplate_LaterBuilderCallsWin_AndTemplateIsNotShared()
    {
        using var host = new ManagementTestHost(build: b => b.AddSessionTemplate("code-review", CodeReview));

        var first = await host.Sessions.Create("one").FromTemplate("CODE-REVIEW").WithTitle("PR 1").WithTags("urgent").CreateAsync();
        await first.AddMessageAsync(new ChatMessage(ChatRole.User, "diff here"));
        var second = await host.Sessions.Create("two").FromTemplate("code-review").CreateAsync();

        Assert.That(first.Info.Title, Is.EqualTo("PR 1"));
        Assert.That(first.Info.Tags, Is.EqualTo(new[] { "review", "code", "urgent" }));
        Assert.That((await second.GetMessagesAsync()).Count, Is.EqualTo(2));
        Assert.That(CodeReview.Messages, Has.Count.EqualTo(2));
    }

    [Test]
    public void FromTemplate_Unknown_ThrowsArgumentExceptionListingTheNames()
    {
        using var host = new ManagementTestHost(build: b => b.AddSessionTemplate("code-review", CodeReview));

        var ex = Assert.Throws<ArgumentException>(() => host.Sessions.Create("x").FromTemplate("nope"));

        Assert.That(ex!.ParamName, Is.EqualTo("name"));
        Assert.That(ex.Message, Does.Contain("code-review"));
    }

    [Test]
    public void AddSessionTemplate_DuplicateName_Throws()
    {
        var builder = new ServiceCollection().AddSessions().AddSessionTemplate("a", CodeReview);

        var ex = Assert.Throws<ArgumentException>(() => builder.AddSessionTemplate("A", new SessionTemplate()));
        Assert.That(ex!.ParamName, Is.EqualTo("name"));
    }

    [Test]
    public async Task SaveAsTemplateAsync_ThenFromTemplate_ReproducesTheSession()
    {
        using var host = new ManagementTestHost();
        var source = await host.Sessions.Create("src").WithTitle("Triage").WithSystemPrompt("Be brief.").WithTags("support")
            .WithMetadata("queue", "eu").WithProvider("anthropic", "claude").WithKind(new SessionKind("triage"))
            .WithMessages(new ChatMessage(ChatRole.User, "seed")).CreateAsync();

        var template = await host.Sessions.SaveAsTemplateAsync("src", "triage");
        await source.AddMessageAsync(new ChatMessage(ChatRole.User, "after saving"));
        var copy = await host.Sessions.Create("copy").FromTemplate("triage").CreateAsync();

        Assert.That(template.Messages.Select(m => m.Text), Is.EqualTo(new[] { "seed" }));
        Assert.That((await copy.GetMessagesAsync()).Select(m => m.Text), Is.EqualTo(new[] { "seed" }));
        Assert.That(copy.Info.Title, Is.EqualTo("Triage"));
        Assert.That(copy.Info.SystemPrompt, Is.EqualTo("Be brief."));
        Assert.That(copy.Info.Metadata["queue"], Is.EqualTo("eu"));
        Assert.That(copy.Info.ProviderName, Is.EqualTo("anthropic"));
        Assert.That(copy.Info.Kind, Is.EqualTo(new SessionKind("triage")));
        await Assert.ThrowsAsync<SessionNotFoundException>(() => host.Sessions.SaveAsTemplateAsync("missing", "x"));
    }
}
