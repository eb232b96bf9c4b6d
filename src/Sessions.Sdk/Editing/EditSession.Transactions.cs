namespace Sessions.Sdk;

/// <summary>The transaction engine: intent before the first write, undo on failure, rollback, rewind and crash recovery.</summary>
public sealed partial class EditSession
{
    private async Task<EditResult> ApplyCoreAsync(
        IReadOnlyList<EditOperation> operations, string name, Dictionary<string, string?>? expected, bool consumesPending, CancellationToken cancellationToken)
    {
        var plans = EditPlanner.Plan(operations, _sandbox, _files, _options);
        if (expected is not null)
        {
            foreach (var plan in plans)
            {
                if (!expected.TryGetValue(plan.Path, out var hash) || hash != plan.BeforeHash)
                {
                    throw new EditConflictException(plan.Path, $"The file '{plan.Path}' changed on disk after it was previewed; preview again to see the change against its current content.");
                }
            }
        }

        string batchId = Guid.CreateVersion7(_timeProvider.GetUtcNow()).ToString("N");
        bool backup = _options.CreateBackup;
        var intent = new EditBatchIntentData
        {
            BatchId = batchId,
            Name = name,
            At = _timeProvider.GetUtcNow(),
            AfterMessage = _log.MessageCount,
            Backup = backup,
            ConsumesPending = consumesPending,
            Files = [.. plans.Select((p, i) => new EditBatchFileData
            {
                Path = p.Path,
                Change = p.Preview.Change,
                BeforeHash = p.BeforeHash,
                AfterHash = p.AfterHash,
                Before = backup ? p.Before : null,
                After = backup ? null : p.After,
                Temp = TempName(batchId, i),
                CreatedFolders = p.Before is null && p.After is not null ? MissingFolders(p.FullPath) : null,
                Diff = p.Preview.Diff,
                Added = p.Preview.LinesAdded,
                Removed = p.Preview.LinesRemoved,
            })],
        };

        // The intent is stored before the first byte is written: a crash from here on is finished or undone on the next open.
        long intentSequence = await _log.AppendAsync(EditState.BatchIntent, ToJson(intent, EditingJsonContext.Default.EditBatchIntentData), cancellationToken).ConfigureAwait(false);
        var record = new EditState.BatchRecord(intent, intentSequence);
        lock (_pendingLock)
        {
            _state.Batches.Add(record);
            if (consumesPending)
            {
                _state.Proposed.Clear();
            }
        }

        // A file is started once its check passed (its write may have landed) and done once its new content is in place.
        var started = new bool[plans.Count];
        var done = new bool[plans.Count];
        try
        {
            EditFiles.ForEach(plans.Count, EditFiles.Distinct(plans.Select(p => p.FullPath)), i =>
            {
                var plan = plans[i];
                var current = _files.ReadFile(plan.FullPath, plan.Path, _options.MaxFileSize);
                if (!EditFilePlan.SameBytes(current, plan.Before))
                {
                    throw new EditConflictException(plan.Path, $"The file '{plan.Path}' changed on disk while the batch was applied; no file was changed.");
                }

                started[i] = true;
                Write(plan.FullPath, intent.Files[i].Temp, plan.After);
                done[i] = true;
            });

            await _log.AppendAsync(EditState.BatchApplied, ToJson(new EditBatchEventData { BatchId = batchId }, EditingJsonContext.Default.EditBatchEventData), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            // Undo what was written (newest first) so every file is as it was; if even that fails, the intent stays and the next open finishes the undo.
            for (int i = plans.Count - 1; i >= 0; i--)
            {
                try
                {
                    if (done[i] || (started[i] && EditFilePlan.SameBytes(_files.ReadFile(plans[i].FullPath, plans[i].Path, long.MaxValue), plans[i].After)))
                    {
                        Write(plans[i].FullPath, intent.Files[i].Temp, plans[i].Before);
                    }
                }
                catch (Exception undoFailure) when (undoFailure is IOException or UnauthorizedAccessException)
                {
                    throw new AggregateException($"Batch '{name}' failed and could not be undone; the next open of session '{Session.Id}' undoes it.", failure, undoFailure);
                }
            }

            CleanTemps(plans.Select(p => p.FullPath), intent.Files);
            RemoveCreatedFolders(intent.Files);
            try
            {
                await _log.AppendAsync(EditState.BatchAborted, ToJson(new EditBatchEventData { BatchId = batchId, Reason = failure.Message }, EditingJsonContext.Default.EditBatchEventData), CancellationToken.None).ConfigureAwait(false);
                record.Status = EditBatchStatus.Aborted;
            }
            catch (Exception) when (failure is not OperationCanceledException)
            {
                // The files are back as they were; the next open records the batch as aborted.
            }

            throw;
        }

        record.Status = EditBatchStatus.Applied;
        return record.ToResult();
    }

    private async Task RollbackCoreAsync(EditState.BatchRecord batch, bool force, CancellationToken cancellationToken)
    {
        if (batch.Status != EditBatchStatus.Applied)
        {
            throw new InvalidOperationException($"Batch '{batch.Intent.BatchId}' ({batch.Intent.Name}) is {batch.Status.ToString().ToLowerInvariant()}, not applied; only an applied batch can be rolled back.");
        }

        if (!batch.Intent.Backup)
        {
            throw new InvalidOperationException($"Batch '{batch.Intent.BatchId}' was applied with EditingOptions.CreateBackup off, so the session holds no backup to roll back to.");
        }

        var files = batch.Intent.Files;
        var folders = NewFolderCache();
        var paths = files.Select(f => ResolveStored(f.Path, folders)).ToArray();
        var current = new byte[]?[files.Count];
        bool distinct = EditFiles.Distinct(paths);
        EditFiles.ForEach(files.Count, distinct, i =>
        {
            current[i] = _files.ReadFile(paths[i], files[i].Path, long.MaxValue);
            if (!force && EditFilePlan.Hash(current[i]) != files[i].AfterHash)
            {
                throw new EditConflictException(files[i].Path, $"The file '{files[i].Path}' changed since batch '{batch.Intent.Name}' was applied; roll back later batches first, or pass force: true to restore it anyway.");
            }
        }, everyEarlierFile: true);

        await _log.AppendAsync(EditState.RollbackStarted, ToJson(new EditBatchEventData { BatchId = batch.Intent.BatchId, Forced = force }, EditingJsonContext.Default.EditBatchEventData), cancellationToken).ConfigureAwait(false);
        batch.RollbackStarted = true;
        var restored = new bool[files.Count];
        try
        {
            EditFiles.ForEach(files.Count, distinct, i =>
            {
                Write(paths[i], files[i].Temp, files[i].Before);
                restored[i] = true;
            });
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            for (int i = files.Count - 1; i >= 0; i--)
            {
                if (restored[i])
                {
                    Write(paths[i], files[i].Temp, current[i]);
                }
            }

            CleanTemps(paths, files);
            await _log.AppendAsync(EditState.RollbackAborted, ToJson(new EditBatchEventData { BatchId = batch.Intent.BatchId, Reason = failure.Message }, EditingJsonContext.Default.EditBatchEventData), CancellationToken.None).ConfigureAwait(false);
            batch.RollbackStarted = false;
            throw;
        }

        RemoveCreatedFolders(files);
        await _log.AppendAsync(EditState.BatchRolledBack, ToJson(new EditBatchEventData { BatchId = batch.Intent.BatchId, Forced = force }, EditingJsonContext.Default.EditBatchEventData), CancellationToken.None).ConfigureAwait(false);
        batch.Status = EditBatchStatus.RolledBack;
        batch.RollbackStarted = false;
    }

    private async Task<IReadOnlyList<EditResult>> RewindCoreAsync(long sequence, bool force, CancellationToken cancellationToken)
    {
        var undo = _state.Batches.Where(b => b.Status == EditBatchStatus.Applied && b.IntentSequence > sequence).OrderByDescending(b => b.IntentSequence).ToList();
        if (undo.Find(b => !b.Intent.Backup) is { } noBackup)
        {
            throw new InvalidOperationException($"Batch '{noBackup.Intent.BatchId}' was applied with EditingOptions.CreateBackup off; the session cannot undo it, so it cannot rewind past it.");
        }

        if (!force)
        {
            // Each file must still be as the newest batch touching it left it; checked for all before anything changes.
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var folders = NewFolderCache();
            foreach (var batch in undo)
            {
                foreach (var file in batch.Intent.Files)
                {
                    if (seen.Add(file.Path) && EditFilePlan.Hash(_files.ReadFile(ResolveStored(file.Path, folders), file.Path, long.MaxValue)) != file.AfterHash)
                    {
                        throw new EditConflictException(file.Path, $"The file '{file.Path}' changed since batch '{batch.Intent.Name}' was applied; pass force: true to rewind anyway.");
                    }
                }
            }
        }

        var rewind = new EditRewindData { Sequence = sequence, BatchIds = [.. undo.Select(b => b.Intent.BatchId)], Forced = force };
        await _log.AppendAsync(EditState.RewindStarted, ToJson(rewind, EditingJsonContext.Default.EditRewindData), cancellationToken).ConfigureAwait(false);
        var results = await FinishRewindAsync(rewind, CancellationToken.None).ConfigureAwait(false);
        return results;
    }

    private async Task<IReadOnlyList<EditResult>> FinishRewindAsync(EditRewindData rewind, CancellationToken cancellationToken)
    {
        var results = new List<EditResult>();
        foreach (var id in rewind.BatchIds)
        {
            if (_state.Find(id) is { Status: EditBatchStatus.Applied } batch)
            {
                // Older batches are restored over whatever the newer ones left: the files end exactly as before the oldest undone batch.
                await RollbackCoreAsync(batch, force: true, cancellationToken).ConfigureAwait(false);
                results.Add(batch.ToResult());
            }
        }

        await _log.TruncateAsync(rewind.Sequence, cancellationToken).ConfigureAwait(false);
        await ReloadAsync(cancellationToken).ConfigureAwait(false);
        await RecoverAsync(cancellationToken).ConfigureAwait(false);
        return results;
    }

    /// <summary>Finishes or undoes batches, rollbacks and a rewind that a crash interrupted.</summary>
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        foreach (var batch in _state.Batches.ToList())
        {
            if (batch.Status == EditBatchStatus.Pending)
            {
                await RecoverIntentAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            else if (batch.RollbackStarted && batch.Status == EditBatchStatus.Applied)
            {
                var files = batch.Intent.Files;
                var folders = NewFolderCache();
                for (int i = 0; i < files.Count; i++)
                {
                    Write(ResolveStored(files[i].Path, folders), files[i].Temp, files[i].Before);
                }

                RemoveCreatedFolders(files);
                await _log.AppendAsync(EditState.BatchRolledBack, ToJson(new EditBatchEventData { BatchId = batch.Intent.BatchId, Recovered = true }, EditingJsonContext.Default.EditBatchEventData), cancellationToken).ConfigureAwait(false);
                batch.Status = EditBatchStatus.RolledBack;
                batch.RollbackStarted = false;
            }
        }

        if (_state.UnfinishedRewind is { } rewind)
        {
            await FinishRewindAsync(rewind, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RecoverIntentAsync(EditState.BatchRecord batch, CancellationToken cancellationToken)
    {
        var files = batch.Intent.Files;
        var folders = NewFolderCache();
        var paths = files.Select(f => ResolveStored(f.Path, folders)).ToArray();
        var hashes = new string?[files.Count];
        for (int i = 0; i < files.Count; i++)
        {
            hashes[i] = EditFilePlan.Hash(_files.ReadFile(paths[i], files[i].Path, long.MaxValue));
        }

        CleanTemps(paths, files);
        bool allAfter = Enumerable.Range(0, files.Count).All(i => hashes[i] == files[i].AfterHash);
        string eventName;
        if (allAfter || !batch.Intent.Backup)
        {
            // Every file was written (or the session holds the new bytes, not the old ones): finish the batch.
            for (int i = 0; i < files.Count; i++)
            {
                if (hashes[i] != files[i].AfterHash)
                {
                    Write(paths[i], files[i].Temp, files[i].After);
                }
            }

            eventName = EditState.BatchApplied;
            batch.Status = EditBatchStatus.Applied;
        }
        else
        {
            // Undo: only files the batch wrote are restored; a file in any other state was not touched by it.
            for (int i = 0; i < files.Count; i++)
            {
                if (hashes[i] == files[i].AfterHash)
                {
                    Write(paths[i], files[i].Temp, files[i].Before);
                }
            }

            RemoveCreatedFolders(files);
            eventName = EditState.BatchAborted;
            batch.Status = EditBatchStatus.Aborted;
        }

        await _log.AppendAsync(eventName, ToJson(new EditBatchEventData { BatchId = batch.Intent.BatchId, Recovered = true, Reason = "interrupted; finished or undone on open" }, EditingJsonContext.Default.EditBatchEventData), cancellationToken).ConfigureAwait(false);
    }

    private string ResolveStored(string path, Dictionary<string, (string Real, bool Exists)> folders) => _sandbox.Resolve(WorkspaceSandbox.Normalize(path), path, folders);

    private static Dictionary<string, (string Real, bool Exists)> NewFolderCache() => new(StringComparer.Ordinal);

    private void Write(string fullPath, string tempName, byte[]? content)
    {
        if (content is null)
        {
            _files.DeleteFile(fullPath);
        }
        else
        {
            _files.WriteFile(fullPath, Path.Join(Path.GetDirectoryName(fullPath), tempName), content);
        }
    }

    private static void CleanTemps(IEnumerable<string> fullPaths, List<EditBatchFileData> files)
    {
        int i = 0;
        foreach (var fullPath in fullPaths)
        {
            try
            {
                File.Delete(Path.Join(Path.GetDirectoryName(fullPath), files[i].Temp));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A leftover temporary file is harmless; the next recovery tries again.
            }

            i++;
        }
    }

    /// <summary>Lists the folders above a file that do not exist yet, deepest first, relative to the workspace root: the ones writing it creates.</summary>
    private List<string>? MissingFolders(string fullPath)
    {
        List<string>? missing = null;
        string root = Path.TrimEndingDirectorySeparator(_sandbox.Root);
        for (string? folder = Path.GetDirectoryName(fullPath); folder is not null && folder.Length > root.Length && !Directory.Exists(folder); folder = Path.GetDirectoryName(folder))
        {
            (missing ??= []).Add(Path.GetRelativePath(root, folder).Replace('\\', '/'));
        }

        return missing;
    }

    /// <summary>Removes the folders a batch created once they are empty again, deepest first; a folder that existed before the batch is never listed.</summary>
    private void RemoveCreatedFolders(List<EditBatchFileData> files)
    {
        var folders = files.Where(f => f.CreatedFolders is not null).SelectMany(f => f.CreatedFolders!).Distinct(StringComparer.Ordinal)
            .OrderByDescending(f => f.AsSpan().Count('/')).ThenByDescending(f => f.Length).ThenBy(f => f, StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            try
            {
                var info = new DirectoryInfo(_sandbox.Resolve(WorkspaceSandbox.Normalize(folder), folder));
                if (info.Exists && info.LinkTarget is null)
                {
                    // Not recursive: a folder that holds anything (someone else's file, a later batch's) stays.
                    info.Delete(recursive: false);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or EditSandboxException)
            {
                // Not empty, or no longer a plain folder inside the workspace: left as it is.
            }
        }
    }

    private static string TempName(string batchId, int index) => $".sessions-edit-{batchId[^12..]}-{index}.tmp";
}
