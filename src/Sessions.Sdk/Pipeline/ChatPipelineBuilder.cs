using Microsoft.Extensions.AI;

namespace Sessions.Sdk;

/// <summary>Builds a chat pipeline: an inner <see cref="IChatClient"/> wrapped by delegating clients.</summary>
/// <remarks>
/// The first step added is the outermost: it sees a call first and its result last, as with M.E.AI's ChatClientBuilder.
/// Steps are added with the <c>Use…</c> extensions in <see cref="ChatPipelineBuilderExtensions"/>. Not thread-safe while building.
/// </remarks>
public sealed class ChatPipelineBuilder
{
    private readonly IChatClient _innerClient;
    private readonly List<Func<IChatClient, IServiceProvider?, IChatClient>> _steps = [];

    /// <summary>Initializes a builder around the client that talks to the model.</summary>
    /// <param name="innerClient">The client at the bottom of the pipeline.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerClient"/> is <see langword="null"/>.</exception>
    public ChatPipelineBuilder(IChatClient innerClient)
    {
        ArgumentNullException.ThrowIfNull(innerClient);
        _innerClient = innerClient;
    }

    /// <summary>Gets the number of steps added so far.</summary>
    public int Count => _steps.Count;

    /// <summary>Adds a step that wraps the client below it.</summary>
    /// <param name="step">Creates the step's client from the client below it.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="step"/> is <see langword="null"/>.</exception>
    public ChatPipelineBuilder Use(Func<IChatClient, IChatClient> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        _steps.Add((inner, _) => step(inner));
        return this;
    }

    /// <summary>Adds a step that wraps the client below it and may resolve services.</summary>
    /// <param name="step">Creates the step's client from the client below it and the services given to <see cref="Build"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="step"/> is <see langword="null"/>.</exception>
    public ChatPipelineBuilder Use(Func<IChatClient, IServiceProvider?, IChatClient> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        _steps.Add(step);
        return this;
    }

    /// <summary>Builds the pipeline.</summary>
    /// <param name="services">The services steps may resolve, if any.</param>
    /// <returns>The outermost client.</returns>
    /// <exception cref="InvalidOperationException">A step returned <see langword="null"/>.</exception>
    public IChatClient Build(IServiceProvider? services = null)
    {
        IChatClient client = _innerClient;
        for (int i = _steps.Count - 1; i >= 0; i--)
        {
            client = _steps[i](client, services) ?? throw new InvalidOperationException(
                $"Step {i} of the chat pipeline returned null; every Use step must return an IChatClient.");
        }

        return client;
    }
}
