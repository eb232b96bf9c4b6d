namespace Sessions.Sdk;

/// <summary>Names a group of operations applied together: all of their files change, or none.</summary>
public sealed class EditBatch
{
    /// <summary>Initializes a batch.</summary>
    /// <param name="name">A name for the batch, shown in the session's batch list.</param>
    /// <param name="operations">The operations, applied in order.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, or <paramref name="operations"/> is empty or holds <see langword="null"/>.</exception>
    public EditBatch(string name, IEnumerable<EditOperation> operations)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(operations);
        EditOperation[] list = [.. operations];
        if (list.Length == 0 || Array.IndexOf(list, null) >= 0)
        {
            throw new ArgumentException("A batch needs at least one operation and no null ones.", nameof(operations));
        }

        Name = name;
        Operations = list;
    }

    /// <summary>Gets the batch's name.</summary>
    public string Name { get; }

    /// <summary>Gets the operations, in order.</summary>
    public IReadOnlyList<EditOperation> Operations { get; }
}
