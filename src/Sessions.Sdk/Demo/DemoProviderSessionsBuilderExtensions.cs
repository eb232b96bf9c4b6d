namespace Sessions.Sdk;

/// <summary>Registers the offline demo model, a stand-in that lets samples, demos and tests run with no server and no API key.</summary>
public static class DemoProviderSessionsBuilderExtensions
{
    /// <summary>Adds a chat provider backed by an offline echo model (model id <c>demo-echo</c>); it is not a language model.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The provider name sessions use; the default is <c>demo</c>.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>
    /// The demo model answers by echoing the last user message and saying how many messages it was given, with word counts
    /// as token usage, and costs nothing (it is in the model catalog at price zero, so its cost is known: $0). Replace it with a real provider (<c>AddOpenAIProvider</c>, <c>AddAnthropicProvider</c>, or
    /// <c>AddChatProvider</c> with any <c>IChatClient</c>) to talk to a model.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    public static ISessionsBuilder AddDemoProvider(this ISessionsBuilder builder, string name = "demo")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.AddChatProvider(name, _ => new DemoChatClient(), DemoChatClient.ModelId)
            .AddModel(new ChatModelInfo { ProviderName = name, ModelId = DemoChatClient.ModelId, InputPricePerMillion = 0m, OutputPricePerMillion = 0m });
    }
}
