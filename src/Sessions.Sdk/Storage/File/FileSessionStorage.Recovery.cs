using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;

namespace Sessions.Sdk;

/// <summary>Recovery: finding damaged sessions and salvaging them (<see cref="ISessionRecovery"/>).</summary>
/// <remarks>
/// A damaged message record leaves its session in place: listed, appendable, every other message readable. A session whose
/// metadata document or journal header cannot be read is moved to <c>.quarantine/{id}-{time}-{random}/</c> with a
/// <c>reason.txt</c>. Both are listed by <see cref="ListDamagedAsync"/> and salvaged by <see cref="SalvageAsync"/>, which keeps a
/// copy of the damaged files under <c>.quarantine/</c> (folders ending in <c>.salvaged</c>), so nothing is ever lost.
/// </remarks>
internal sealed partial class FileSessionStorage : ISessionRecovery
{
    private const string ReasonFileName = "reason.txt";
    private const string SalvagedSuffix = ".salvaged";

    /// <inheritdoc/>
    public async IAsyncEnumerable<DamagedSession> ListDamagedAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        if (!Directory.Exists(Root)) yield break;
        var ids = new List<string>();
        foreach (var path in Directory.EnumerateFiles(Root, "*" + MetaSuffix))
        {
            string id = Path.GetFileName(path)[..^MetaSuffix.Length];
            if (SessionIds.IsValid(id)) ids.Add(id);
        }

        ids.Sort(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var damage = Inspect(id, MetaPath(id), JournalPath(id), out _);
            if (damage is not null) yield return damage with { RecoveryId = id, Location = JournalPath(id) };
        }

        if (!Directory.Exists(_quarantineDirectory)) yield break;
        foreach (var folder in Directory.EnumerateDirectories(_quarantineDirectory).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string name = Path.GetFileName(folder);
            if (name.EndsWith(SalvagedSuffix, StringComparison.Ordinal) || QuarantinedId(folder) is not { } id) continue;
            string reason = File.Exists(Path.Combine(folder, ReasonFileName)) ? (await File.ReadAllTextAsync(Path.Combine(folder, ReasonFileName), cancellationToken).ConfigureAwait(false)).Trim() : "set aside as damaged";
            var records = Inspect(id, Path.Combine(folder, id + MetaSuffix), Path.Combine(folder, id + JournalSuffix), out _)?.Records ?? [];
            yield return new DamagedSession { SessionId = id, RecoveryId = name, SetAside = true, Location = folder, Reason = reason, Records = records };
        }
    }

    /// <inheritdoc/>
    public async ValueTask<SalvageResult> SalvageAsync(string recoveryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(recoveryId);
        if (SessionIds.IsValid(recoveryId) && File.Exists(MetaPath(recoveryId)))
        {
            return await SalvageInPlaceAsync(recoveryId, cancellationToken).ConfigureAwait(false);
        }

        string folder = Path.Combine(_quarantineDirectory, recoveryId);
        if (recoveryId.Contains('/', StringComparison.Ordinal) || recoveryId.Contains('\\', StringComparison.Ordinal) || recoveryId.StartsWith('.')
            || !Directory.Exists(folder) || QuarantinedId(folder) is not { } id)
        {
            throw new SessionNotFoundException(recoveryId);
        }

        if (File.Exists(MetaPath(id))) throw new SessionAlreadyExistsException(id);
        string meta = Path.Combine(folder, id + MetaSuffix), journal = Path.Combine(folder, id + JournalSuffix);
        var damage = Inspect(id, meta, journal, out var readable);
        FileSessionDocument? document = null;
        try
        {
            if (IsRegular(meta) && ReadSmallFile(meta) is { } bytes) document = FileSessionDocument.Parse(bytes.Span, id);
        }
        catch (SessionFormatException)
        {
        }

        var now = _timeProvider.GetUtcNow();
        var info = document?.Info ?? new SessionInfo { Id = id, Title = id + " (salvaged)", CreatedAt = readable.Count > 0 ? readable[0].Timestamp : now, UpdatedAt = now };
        var created = await CreateAsync(info with { Version = 0 }, readable, cancellationToken).ConfigureAwait(false);
        string backup = folder + SalvagedSuffix;
        Directory.Move(folder, backup);
        return new SalvageResult { Session = created, KeptMessages = readable.Count, DroppedRecords = damage?.Records ?? [], BackupLocation = backup };
    }

    private async ValueTask<SalvageResult> SalvageInPlaceAsync(string id, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            var before = await GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new SessionNotFoundException(id);
            var damage = Inspect(id, MetaPath(id), JournalPath(id), out var readable);
            string? backup = null;
            if (damage is not null)
            {
                backup = Path.Combine(_quarantineDirectory, id + "-" + now() + "-" + FileJournal.NewGeneration()[..6] + SalvagedSuffix);
                Directory.CreateDirectory(backup);
                File.Copy(JournalPath(id), Path.Combine(backup, id + JournalSuffix));
                File.Copy(MetaPath(id), Path.Combine(backup, id + MetaSuffix));
                await File.WriteAllTextAsync(Path.Combine(backup, ReasonFileName), damage.Reason, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                var stored = damage is null ? before : await ReplaceMessagesAsync(id, readable, before.Version, cancellationToken).ConfigureAwait(false);
                return new SalvageResult { Session = stored, KeptMessages = readable.Count, DroppedRecords = damage?.Records ?? [], BackupLocation = backup };
            }
            catch (SessionConcurrencyException) when (attempt < 5)
            {
                // Appended to meanwhile: read again so the salvage keeps those messages too.
                if (backup is not null) Directory.Delete(backup, recursive: true);
            }
        }

        string now() => _timeProvider.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Reads every record of a session's files, collecting the readable messages and what is damaged.</summary>
    /// <returns>The damage, or <see langword="null"/> when the session is intact.</returns>
    private static DamagedSession? Inspect(string id, string metaPath, string journalPath, out List<SessionMessage> readable)
    {
        readable = [];
        var records = new List<DamagedRecord>();
        var problems = new List<string>();
        try
        {
            if (!IsRegular(metaPath)) problems.Add($"'{Path.GetFileName(metaPath)}' is missing or not a regular file");
            else if (ReadSmallFile(metaPath) is { } bytes) FileSessionDocument.Parse(bytes.Span, id);
        }
        catch (Exception ex) when (ex is SessionFormatException or IOException or UnauthorizedAccessException)
        {
            problems.Add(ex.Message);
        }

        if (!IsRegular(journalPath))
        {
            problems.Add($"'{Path.GetFileName(journalPath)}' is missing or not a regular file");
            return Damage(id, problems, records);
        }

        try
        {
            using var handle = File.OpenHandle(journalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long length = RandomAccess.GetLength(handle);
            FileJournalHeader? header = null;
            try
            {
                header = FileJournal.ReadHeader(handle, id);
            }
            catch (SessionFormatException ex) when (!FileJournal.IsNewerVersion(ex))
            {
                problems.Add(ex.Message);
            }

            long start = header?.Length ?? FirstLineEnd(handle, length);
            bool checksums = header?.Checksums ?? false;
            long sequence = 0;
            var kept = readable;
            FileJournal.ForEachLine(handle, start, length, (line, offset) =>
            {
                sequence++;
                string? damage = FileJournal.CheckRecord(line, checksums);
                if (damage is null)
                {
                    try
                    {
                        kept.Add(SessionJson.DeserializeMessage(line, id));
                        return;
                    }
                    catch (SessionFormatException ex)
                    {
                        damage = ex.Message;
                    }
                }

                records.Add(new DamagedRecord(sequence, offset, damage));
            });
        }
        catch (IOException ex)
        {
            problems.Add(ex.Message);
        }

        if (records.Count > 0) problems.Add($"{records.Count} damaged message record(s), first at sequence {records[0].Sequence} (byte offset {records[0].Offset})");
        return Damage(id, problems, records);
    }

    private static DamagedSession? Damage(string id, List<string> problems, List<DamagedRecord> records) =>
        problems.Count == 0 ? null : new DamagedSession { SessionId = id, RecoveryId = id, Reason = string.Join("; ", problems), Records = records };

    private static long FirstLineEnd(SafeFileHandle handle, long length)
    {
        long end = length;
        bool found = false;
        FileJournal.ForEachLine(handle, 0, length, (line, offset) =>
        {
            if (found) return;
            found = true;
            end = offset + line.Length + 1;
        });
        return end;
    }

    private static bool IsRegular(string path)
    {
        try
        {
            EnsureRegularFile(path, string.Empty);
            return File.Exists(path);
        }
        catch (NotRegularFileException)
        {
            return false;
        }
    }

    /// <summary>The id of the session a quarantine folder holds, from the files in it.</summary>
    private static string? QuarantinedId(string folder)
    {
        foreach (var file in Directory.EnumerateFileSystemEntries(folder))
        {
            string name = Path.GetFileName(file);
            string? id = name.EndsWith(MetaSuffix, StringComparison.Ordinal) ? name[..^MetaSuffix.Length]
                : name.EndsWith(JournalSuffix, StringComparison.Ordinal) ? name[..^JournalSuffix.Length] : null;
            if (id is not null && SessionIds.IsValid(id)) return id;
        }

        return null;
    }
}
