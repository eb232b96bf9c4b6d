namespace Sessions.Sdk;

/// <summary>Chooses how SQLite syncs committed transactions to disk (<c>PRAGMA synchronous</c>).</summary>
public enum SqliteSynchronousMode
{
    /// <summary>Sync at checkpoints only: a committed append survives a process crash; a power loss may lose the last commits.</summary>
    Normal,

    /// <summary>Sync the write-ahead log on every commit: a committed append also survives a power loss, at a cost per write.</summary>
    Full,
}
