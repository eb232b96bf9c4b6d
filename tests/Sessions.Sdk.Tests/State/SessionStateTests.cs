using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Sessions.Sdk.Testing;

namespace Sessions.Sdk.Tests;

/// <summary>Structured session state: typed events in the transcript, on every store, skipped by the chat context.</summary>
public sealed class SessionStateTests
{
    private string _root = null!;
    private MemorySessionStorage _memory = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("sessions-state-").FullName;
        _memory = new MemorySessionStorage();
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private (ServiceProvider Provider, ISessionManager Sessions) Create(bool file, ScriptedChatClient? client = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddSessions(o => o.DefaultProvider = "fake").AddChatProvider("fake", client ?? new ScriptedChatClient("m"), "m");
        if (file)
        {
            builder.UseFileStorage(_root);
        }
        else
        {
            builder.UseStorage(_memory);
        }

        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<ISessionManager>());
    }

    [Test]
    public void SessionJson_StateContent_RoundTripsWithItsStableDiscriminator()
    {
        var content = new SessionStateContent("plan", "step.completed", Json("""{"step":"s1","output":"done","n":[1,2]}"""));
        var message = new SessionMessage { Sequence = 7, Timestamp = DateTimeOffset.UnixEpoch, Message = SessionStateContent.CreateMessage(content) };

        byte[] bytes = SessionJson.SerializeMessage(message);
        var back = SessionJson.DeserializeMessage(bytes);

        Assert.Multiple(() =>
        {
            Assert.That(System.Text.Encoding.UTF8.GetString(bytes), Does.Contain("\"$type\":\"sessions.state\""));
            Assert.That(back.Message.Role, Is.EqualTo(SessionStateContent.Role));
            Assert.That(SessionStateContent.IsStateMessage(back.Message), Is.True);
            var state = (SessionStateContent)back.Message.Contents.Single();
            Assert.That(state.StateType, Is.EqualTo("plan"));
            Assert.That(state.EventName, Is.EqualTo("step.completed"));
            Assert.That(state.Data.GetProperty("output").GetString(), Is.EqualTo("done"));
            Assert.That(state.Data.GetProperty("n").GetArrayLength(), Is.EqualTo(2));
        });
    }

    [TestCase("", "e")]
    [TestCase("plan", "")]
    [TestCase("pl an", "e")]
    [TestCase("plan", "step\ncompleted")]
    public void Constructor_BadNames_ThrowArgumentException(string stateType, string eventName)
    {
        Assert.That(() => new SessionStateContent(stateType, eventName, Json("1")), Throws.InstanceOf<ArgumentException>());
    }

    [Test]
    public void IsStateMessage_MixedOrEmptyContents_IsFalse()
    {
        var mixed = new ChatMessage(SessionStateContent.Role, [new SessionStateContent("plan", "x", Json("1")), new TextContent("hi")]);
        Assert.Multiple(() =>
        {
            Assert.That(SessionStateContent.IsStateMessage(mixed), Is.False);
            Assert.That(SessionStateContent.IsStateMessage(new ChatMessage(ChatRole.User, "hi")), Is.False);
            Assert.That(SessionStateContent.IsStateMessage(new ChatMessage(SessionStateContent.Role, (string?)null)), Is.False);
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AppendAndRead_EventsFoldInOrder_AndSurviveReopen(bool file)
    {
        var (provider, sessions) = Create(file);
        using (provider)
        {
            var session = await sessions.Create("p").WithKind(SessionKind.Plan).CreateAsync();
            await session.AppendStateAsync("plan", "plan.created", Json("""{"goal":"g"}"""));
            await session.AddMessageAsync(new ChatMessage(ChatRole.User, "between"));
            await session.AppendStateAsync("edit", "batch.applied", Json("""{"batch":"b1"}"""));
            await session.AppendStateAsync("plan", "step.completed", Json("""{"step":"s1"}"""));
        }

        var (provider2, sessions2) = Create(file);
        using (provider2)
        {
            var reopened = await sessions2.OpenAsync("p");
            var plan = await reopened.ReadStateAsync("plan").ToListAsync();
            var edit = await reopened.ReadStateAsync("edit").ToListAsync();
            Assert.Multiple(() =>
            {
                Assert.That(plan.Select(e => e.EventName), Is.EqualTo(new[] { "plan.created", "step.completed" }));
                Assert.That(plan[1].Data.GetProperty("step").GetString(), Is.EqualTo("s1"));
                Assert.That(edit.Select(e => e.EventName), Is.EqualTo(new[] { "batch.applied" }));
                Assert.That(reopened.MessageCount, Is.EqualTo(4));
            });
        }
    }

    [Test]
    public async Task AppendState_AutosaveOff_IsPersistedBeforeReturning()
    {
        var (provider, sessions) = Create(file: true);
        using var _ = provider;
        var session = await sessions.Create("p").WithAutosave(false).CreateAsync();

        await session.AppendStateAsync("plan", "plan.created", Json("{}"));

        var stored = await sessions.Storage.GetMessagesAsync("p", MessageRange.All);
        Assert.That(stored, Has.Count.EqualTo(1));
        Assert.That(SessionStateContent.IsStateMessage(stored[0].Message), Is.True);
    }

    [Test]
    public async Task ReadState_MoreThanOnePage_ReturnsEveryEvent()
    {
        var (provider, sessions) = Create(file: false);
        using var _ = provider;
        var session = await sessions.Create("p").CreateAsync();
        for (int i = 0; i < 1_100; i++)
        {
            await session.AppendStateAsync("plan", "tick", Json(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var events = await session.ReadStateAsync("plan").ToListAsync();

        Assert.That(events.Select(e => e.Data.GetInt32()), Is.EqualTo(Enumerable.Range(0, 1_100)));
    }

    [Test]
    public async Task SendAsync_StateMessages_AreNeverSentToTheModel()
    {
        var client = new ScriptedChatClient("m");
        client.EnqueueText("ok");
        var (provider, sessions) = Create(file: false, client);
        using var _ = provider;
        var session = await sessions.Create("p").CreateAsync();
        await session.AddMessageAsync(new ChatMessage(ChatRole.User, "first"));
        await session.AppendStateAsync("plan", "plan.created", Json("""{"secret":"not for the model"}"""));

        await session.SendAsync("second");

        var sent = client.LastRequest.Messages;
        Assert.Multiple(() =>
        {
            Assert.That(sent.Select(m => m.Text), Is.EqualTo(new[] { "first", "second" }));
            Assert.That(sent.Any(m => m.Role == SessionStateContent.Role), Is.False);
        });
    }
}
