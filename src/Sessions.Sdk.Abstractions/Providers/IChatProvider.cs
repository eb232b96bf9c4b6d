using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Supplies <see cref="IChatClient"/>s for one named model provider (OpenAI, Anthropic, a local server, ...).</summary>
/// <remarks>Implementations are thread-safe singletons; the clients they return may be cached and shared.</remarks>
public interface IChatProvider
{
    /// <summary>Gets the provider's registered name, such as <c>openai</c>.</summary>
    string Name { get; }

    /// <summary>Gets the model used when a session names none; <see langword="null"/> when the client decides.</summary>
    string? DefaultModelId { get; }

    /// <summary>Gets a chat client for a model.</summary>
    /// <param name="modelId">The model; <see langword="null"/> for <see cref="DefaultModelId"/>.</param>
    /// <returns>The chat client.</returns>
    IChatClient GetChatClient(string? modelId = null);
}
