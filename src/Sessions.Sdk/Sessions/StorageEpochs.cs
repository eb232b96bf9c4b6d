using System.Runtime.CompilerServices;

namespace Sessions.Sdk;

/// <summary>Counts, per storage object, the changes made in this process that can renumber a session's messages (replace, truncate, delete).</summary>
/// <remarks>
/// A <see cref="SessionWriter"/>'s cached window notes the count when it is filled and is dropped when the count moved, so a
/// replacement by another <see cref="Session"/> object that leaves as many messages as before (sequences then line up again)
/// is still noticed. One counter per store, not per session: replacements are rare, and an unrelated one costs a single re-read.
/// </remarks>
internal static class StorageEpochs
{
    private static readonly ConditionalWeakTable<ISessionStorage, StrongBox<long>> Epochs = [];

    /// <summary>Gets the counter of a storage object.</summary>
    public static StrongBox<long> For(ISessionStorage storage) => Epochs.GetValue(storage, static _ => new StrongBox<long>());

    /// <summary>Records a change that may renumber messages in <paramref name="storage"/>.</summary>
    public static void Advance(ISessionStorage storage) => Interlocked.Increment(ref For(storage).Value);
}
