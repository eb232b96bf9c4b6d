using System.Globalization;

namespace Sessions.Sdk;

/// <summary>Stores parsed import candidates all or nothing: ids and conflicts are settled before anything is written, and a failed write removes what the import created.</summary>
internal static class SessionImporter
{
    public static async Task<SessionImportResult> StoreAsync(ISessionStorage storage, IReadOnlyList<ImportCandidate> candidates, SessionImportOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (options.Title is not null && options.Title.Length > 4096) throw new ArgumentException("The title override is longer than 4096 characters.", nameof(options));
        CheckDuplicates(candidates, options);
        var now = time.GetUtcNow();
        var planned = new List<(SessionInfo Info, IReadOnlyList<SessionMessage> Messages)>();
        var skipped = new List<string>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var candidate in candidates)
        {
            string id;
            if (options.NewId || !HasUsableId(candidate))
            {
                id = NewId(time, taken);
            }
            else
            {
                id = candidate.OriginalId!;
                if (await storage.ExistsAsync(id, cancellationToken).ConfigureAwait(false))
                {
                    switch (options.Conflict)
                    {
                        case SessionImportConflict.Skip:
                            skipped.Add(id);
                            continue;
                        case SessionImportConflict.NewId:
                            id = NewId(time, taken);
                            break;
                        default:
                            throw new SessionAlreadyExistsException(id);
                    }
                }
            }

            taken.Add(id);
            var metadata = new Dictionary<string, string>(candidate.Info.Metadata, StringComparer.Ordinal);
            if (options.RecordProvenance)
            {
                metadata[SessionImportResult.SourceFormatKey] = candidate.SourceFormat;
                if (candidate.OriginalId is { } original) metadata[SessionImportResult.OriginalIdKey] = original;
                else metadata.Remove(SessionImportResult.OriginalIdKey);
                metadata[SessionImportResult.ImportedAtKey] = now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
            }

            var info = candidate.Info with
            {
                Id = id,
                Title = options.Title ?? candidate.Info.Title,
                Metadata = metadata,
                Version = 0,
            };
            planned.Add((info, candidate.Messages));
        }

        var created = new List<SessionInfo>(planned.Count);
        try
        {
            foreach (var (info, messages) in planned)
            {
                created.Add(await storage.CreateAsync(info, messages, cancellationToken).ConfigureAwait(false));
            }
        }
        catch
        {
            await RollBackAsync(storage, created).ConfigureAwait(false);
            throw;
        }

        return new SessionImportResult { Sessions = created, Skipped = skipped };
    }

    private static bool HasUsableId(ImportCandidate candidate) => candidate.OriginalId is { } id && SessionIds.IsValid(id);

    private static string NewId(TimeProvider time, HashSet<string> taken)
    {
        string id;
        do
        {
            id = SessionIds.Create(time);
        }
        while (!taken.Add(id));
        return id;
    }

    private static void CheckDuplicates(IReadOnlyList<ImportCandidate> candidates, SessionImportOptions options)
    {
        if (options.NewId) return;
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var candidate in candidates)
        {
            if (!HasUsableId(candidate)) continue;
            if (!seen.TryAdd(candidate.OriginalId!, candidate.Path))
            {
                throw new SessionFormatException(
                    $"Invalid import document at '{candidate.Path}': the session id '{candidate.OriginalId}' appears twice (also at '{seen[candidate.OriginalId!]}').",
                    candidate.OriginalId);
            }
        }
    }

    // Removes what this import created; best effort, on a fresh token, so a cancelled import does not leave half of itself behind.
    private static async Task RollBackAsync(ISessionStorage storage, List<SessionInfo> created)
    {
        var trash = storage.GetCapability<ISessionTrash>();
        foreach (var info in created)
        {
            try
            {
                await storage.DeleteAsync(info.Id, CancellationToken.None).ConfigureAwait(false);
                if (trash is not null) await trash.PurgeAsync(info.Id, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SessionsException or IOException)
            {
                // Keep rolling back the others; the original failure is what the caller sees.
            }
        }
    }
}
