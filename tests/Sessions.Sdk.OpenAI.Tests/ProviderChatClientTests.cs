using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sessions.Sdk.Tests;

/// <summary>Checks the shared provider wrapper (src/Shared/Providers) over a fake SDK client: every failure a caller sees is a ChatProviderException.</summary>
public sealed class ProviderChatClientTests
{
    private const string ApiKey = "sk-test-shared-1a2b3c4d";

    [Test]
    public async Task GetResponseAsync_SdkThrowsUnexpectedException_ThrowsNonTransientChatProviderException()
    {
        var client = CreateClient(new FakeChatClient { Failure = new InvalidOperationException($"SDK state broken for {ApiKey}") });

        var ex = await Assert.ThrowsAsync<ChatProviderException>(() => client.GetResponseAsync("hi"));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.IsTransient, Is.False);
            Assert.That(ex.ProviderName, Is.EqualTo("shared"));
            Assert.That(ex.Message, Does.Contain("InvalidOperationException").And.Contain("SDK state broken").And.Contain("model 'm1' at example.test"));
            Assert.That(ex.ToString(), Does.Not.Contain(ApiKey));
        });
    }

    [Test]
    public async Task GetResponseAsync_HttpRequestException_ThrowsTransientChatProviderException()
    {
        var inner = new HttpRequestException("Connection refused");
        var client = CreateClient(new FakeChatClient { Failure = inner });

        var ex = await Assert.ThrowsAsync<ChatProviderException>(() => client.GetResponseAsync("hi"));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.IsTransient, Is.True);
            Assert.That(ex.StatusCode, Is.Null);
            Assert.That(ex.Message, Does.Contain("connection").And.Contain("Connection refused"));
            Assert.That(ex.InnerException, Is.SameAs(inner));
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_SdkThrowsMidStream_ThrowsChatProviderExceptionAfterTheUpdatesSoFar()
    {
        var client = CreateClient(new FakeChatClient { Failure = new InvalidOperationException("broken"), UpdatesBeforeFailure = 1 });

        var texts = new List<string>();
        var ex = await Assert.ThrowsAsync<ChatProviderException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("hi"))
            {
                texts.Add(update.Text);
            }
        });

        Assert.That(ex!.IsTransient, Is.False);
        Assert.That(texts, Is.EqualTo(new[] { "part" }));
    }

    [Test]
    public async Task GetResponseAsync_ArgumentException_PassesThroughAsTheCallersError()
    {
        var client = CreateClient(new FakeChatClient { Failure = new ArgumentException("bad tool schema", "options") });

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync("hi"));

        Assert.That(ex!.ParamName, Is.EqualTo("options"));
    }

    [Test]
    public async Task GetResponseAsync_CallerCancels_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var client = CreateClient(new FakeChatClient { Failure = new HttpRequestException("aborted") });

        var ex = await CatchAsync(() => client.GetResponseAsync("hi", cancellationToken: cts.Token));

        Assert.That(ex, Is.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task GetResponseAsync_MissingKey_FailsBeforeTheSdkIsCalled()
    {
        var fake = new FakeChatClient();
        var client = CreateClient(fake, missingKey: "Chat provider 'shared' has no API key: set SHARED_KEY.");

        var ex = await Assert.ThrowsAsync<ChatProviderException>(() => client.GetResponseAsync("hi"));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Is.EqualTo("Chat provider 'shared' has no API key: set SHARED_KEY."));
            Assert.That(ex.IsTransient, Is.False);
            Assert.That(fake.Calls, Is.Zero);
        });
    }

    [Test]
    public async Task GetResponseAsync_OtherModelInOptions_UsesThatModelsClient()
    {
        var clients = new Dictionary<string, FakeChatClient>(StringComparer.Ordinal);
        var translator = new OpenAIErrorTranslator(Settings(null));
        var cache = new ProviderModelClients(translator, "m1", "SharedOptions.DefaultModel", model => clients[model] = new FakeChatClient { Text = model });
        var client = cache.Get(null);

        var response = await client.GetResponseAsync("hi", new ChatOptions { ModelId = "m2" });

        Assert.Multiple(() =>
        {
            Assert.That(response.Text, Is.EqualTo("m2"));
            Assert.That(clients["m1"].Calls, Is.Zero);
            Assert.That(clients["m2"].Calls, Is.EqualTo(1));
            Assert.That(cache.Get("m2"), Is.Not.SameAs(client));
        });
    }

    private static ProviderChatClient CreateClient(FakeChatClient fake, string? missingKey = null)
    {
        var translator = new OpenAIErrorTranslator(Settings(missingKey));
        return new ProviderModelClients(translator, "m1", "SharedOptions.DefaultModel", _ => fake).Get(null);
    }

    private static ProviderClientSettings Settings(string? missingKey) =>
        new("shared", new Uri("https://example.test/v1"), ApiKey, missingKey, TimeSpan.FromSeconds(5), null, TimeProvider.System, NullLogger.Instance);

    private static async Task<Exception?> CatchAsync(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    /// <summary>An SDK adapter stand-in that answers with a text or throws a given exception.</summary>
    private sealed class FakeChatClient : IChatClient
    {
        public Exception? Failure { get; init; }

        public int UpdatesBeforeFailure { get; init; }

        public string Text { get; init; } = "ok";

        public int Calls { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            return Failure is null ? Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Text))) : Task.FromException<ChatResponse>(Failure);
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Calls++;
            for (var i = 0; i < UpdatesBeforeFailure; i++)
            {
                await Task.Yield();
                yield return new ChatResponseUpdate(ChatRole.Assistant, "part");
            }

            if (Failure is not null)
            {
                throw Failure;
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, Text) { FinishReason = ChatFinishReason.Stop };
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
