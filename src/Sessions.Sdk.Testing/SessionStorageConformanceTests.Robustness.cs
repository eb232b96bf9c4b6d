using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using NUnit.Framework;

namespace Sessions.Sdk.Testing;

public abstract partial class SessionStorageConformanceTests
{
    /// <summary>Gets session ids every store must reject: traversal, absolute paths, device names, control characters, confusables and more.</summary>
    /// <returns>The ids, each named for display.</returns>
    public static IEnumerable<TestCaseData> HostileIds()
    {
        var ids = new (string Name, string? Id)[]
        {
            ("null", null),
            ("empty", string.Empty),
            ("space", " "),
            ("whitespace", " \t\r\n "),
            ("dot", "."),
            ("dotdot", ".."),
            ("dotdotdot", "..."),
            ("traversal", "../x"),
            ("deep-traversal", "../../../../etc/passwd"),
            ("backslash-traversal", "..\\x"),
            ("inner-traversal", "a/../../b"),
            ("dotdot-inside", "a..b"),
            ("absolute-unix", "/etc/passwd"),
            ("absolute-windows", "C:\\Windows\\win.ini"),
            ("drive-relative", "C:x"),
            ("unc", "\\\\server\\share\\x"),
            ("slash", "a/b"),
            ("backslash", "a\\b"),
            ("con", "con"),
            ("CON", "CON"),
            ("nul", "nul"),
            ("aux", "aux"),
            ("prn", "prn"),
            ("com1", "com1"),
            ("lpt9", "LPT9"),
            ("con-extension", "con.txt"),
            ("nul-extension", "NUL.json"),
            ("too-long-129", new string('a', SessionIds.MaxLength + 1)),
            ("very-long", new string('b', 10_000)),
            ("nul-char", "a\0b"),
            ("only-nul", "\0"),
            ("newline", "a\nb"),
            ("carriage-return", "a\rb"),
            ("tab", "a\tb"),
            ("control-char", "a\u0001b"),
            ("delete-char", "a\u007fb"),
            ("cyrillic-confusable", "s\u0435ssion"),
            ("fullwidth", "\uff41\uff42\uff43"),
            ("zero-width-space", "a\u200bb"),
            ("rtl-override", "a\u202eb"),
            ("accented", "caf\u00e9"),
            ("emoji", "chat-\U0001F600"),
            ("inner-space", "a b"),
            ("trailing-dot", "name."),
            ("leading-dot", ".hidden"),
            ("leading-dash", "-rf"),
            ("leading-underscore", "_x"),
            ("colon", "a:b"),
            ("alternate-stream", "file::$DATA"),
            ("star", "a*b"),
            ("question", "a?b"),
            ("pipe", "a|b"),
            ("quote", "a\"b"),
            ("angle", "<a>"),
            ("percent-encoded", "%2e%2e%2fx"),
            ("tilde", "~"),
            ("home", "~/x"),
            ("sql-quote", "x'; DROP TABLE sessions;--"),
            ("lone-surrogate", "a\ud800b"),
        };

        foreach (var (name, id) in ids)
        {
            yield return new TestCaseData(id).SetArgDisplayNames(name);
        }
    }

    /// <summary>Checks that every operation rejects a hostile id with an <see cref="ArgumentException"/> naming the parameter, writing nothing.</summary>
    /// <param name="hostileId">The id.</param>
    /// <returns>A task that completes when the test is done.</returns>
    [TestCaseSource(nameof(HostileIds))]
    public async Task AllOperations_HostileId_ThrowArgumentExceptionNamingParameter(string? hostileId)
    {
        string marker = NewMarker();
        var session = new SessionInfo { Id = hostileId!, Tags = [marker], CreatedAt = BaseTime, UpdatedAt = BaseTime, Version = 1 };
        var operations = new (string Name, Func<Task> Call, string? ParamName)[]
        {
            ("CreateAsync", () => Storage.CreateAsync(session, TextMessages(1)).AsTask(), null),
            ("GetAsync", () => Storage.GetAsync(hostileId!).AsTask(), "sessionId"),
            ("AppendMessagesAsync", () => Storage.AppendMessagesAsync(hostileId!, TextMessages(1)).AsTask(), "sessionId"),
            ("GetMessagesAsync", () => Storage.GetMessagesAsync(hostileId!, MessageRange.All).AsTask(), "sessionId"),
            ("UpdateAsync", () => Storage.UpdateAsync(session).AsTask(), null),
            ("ReplaceMessagesAsync", () => Storage.ReplaceMessagesAsync(hostileId!, TextMessages(1), 1).AsTask(), "sessionId"),
            ("DeleteAsync", () => Storage.DeleteAsync(hostileId!).AsTask(), "sessionId"),
            ("ExistsAsync", () => Storage.ExistsAsync(hostileId!).AsTask(), "sessionId"),
        };

        foreach (var (name, call, paramName) in operations)
        {
            Exception? caught = null;
            try
            {
                await call().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                caught = ex;
            }

            Assert.That(caught, Is.InstanceOf(typeof(ArgumentException)), $"{name} must reject the id with ArgumentException, not {caught?.GetType().Name ?? "success"}");
            var argumentException = (ArgumentException)caught!;
            if (paramName is null)
            {
                Assert.That(argumentException.ParamName, Is.Not.Null.And.Not.Empty, $"{name} must name the parameter");
            }
            else
            {
                Assert.That(argumentException.ParamName, Is.EqualTo(paramName), $"{name} must name the parameter");
            }
        }

        Assert.That(await ListAllAsync(Storage, new SessionQuery { Tag = marker }).ConfigureAwait(false), Is.Empty, "a rejected id must not be stored");
    }

    /// <summary>Checks that ids at the edges of the rules are accepted and round-trip.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task CreateAsync_EdgeValidIds_AcceptedAndRoundTrip()
    {
        string unique = Guid.NewGuid().ToString("N");
        string[] ids =
        [
            ("x" + unique).PadRight(SessionIds.MaxLength, 'z'),
            "1" + unique,
            $"A.b-c_d.{unique}",
            $"MiXeD{unique}",
            $"con{unique}",
            $"v1.2.3-{unique}",
        ];

        foreach (string id in ids)
        {
            Assert.That(SessionIds.IsValid(id), Is.True, id);
            await Storage.CreateAsync(NewSession(id), TextMessages(1)).ConfigureAwait(false);
            Assert.That((await Storage.GetAsync(id).ConfigureAwait(false))?.Id, Is.EqualTo(id));
            Assert.That((await ReadAllAsync(id).ConfigureAwait(false)).Single().Text, Is.EqualTo("m1"));
        }
    }

    /// <summary>Checks that ids differing only in case are either distinct sessions or rejected as duplicates, never merged.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task CreateAsync_IdsDifferingInCase_NeverMerged()
    {
        string lower = NewId("case");
        string upper = lower.ToUpperInvariant();
        await Storage.CreateAsync(NewSession(lower, "lower"), [TextMessage(ChatRole.User, "lower")]).ConfigureAwait(false);

        try
        {
            await Storage.CreateAsync(NewSession(upper, "upper"), [TextMessage(ChatRole.User, "upper")]).ConfigureAwait(false);
        }
        catch (SessionAlreadyExistsException)
        {
            // Case-insensitive stores (file systems) may treat them as one id; they must refuse, not merge.
        }

        Assert.That((await Storage.GetAsync(lower).ConfigureAwait(false))!.Title, Is.EqualTo("lower"));
        Assert.That((await ReadAllAsync(lower).ConfigureAwait(false)).Select(m => m.Text), Is.EqualTo(new[] { "lower" }));
    }

    /// <summary>Checks that rejected calls (bad ids, duplicates, stale versions, nulls, cancellation) leave stored data exactly as it was.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task RejectedCalls_BadInput_LeaveStoredDataIntact()
    {
        var usage = new SessionUsage { InputTokens = 7, TotalTokens = 7, Cost = 0.07m, Requests = 1 };
        var created = await Storage.CreateAsync(NewSession(title: "keep me", tags: "keep"), [.. TextMessages(4), TextMessage(ChatRole.Assistant, "paid", usage: usage)]).ConfigureAwait(false);
        var updated = await Storage.UpdateAsync(created with { Title = "keep me too" }).ConfigureAwait(false);
        var before = await Storage.GetAsync(created.Id).ConfigureAwait(false);
        var messagesBefore = await ReadAllAsync(created.Id).ConfigureAwait(false);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync().ConfigureAwait(false);

        var badCalls = new Func<Task>[]
        {
            () => Storage.CreateAsync(NewSession(created.Id, "overwrite"), TextMessages(1, "x")).AsTask(),
            () => Storage.UpdateAsync(created with { Title = "stale" }).AsTask(),
            () => Storage.UpdateAsync(updated with { Title = "future", Version = updated.Version + 5 }).AsTask(),
            () => Storage.ReplaceMessagesAsync(created.Id, TextMessages(1, "x"), created.Version).AsTask(),
            () => Storage.ReplaceMessagesAsync(created.Id, TextMessages(1, "x"), updated.Version + 1).AsTask(),
            () => Storage.ReplaceMessagesAsync(created.Id, null!, updated.Version).AsTask(),
            () => Storage.AppendMessagesAsync(created.Id, null!).AsTask(),
            () => Storage.UpdateAsync(null!).AsTask(),
            () => Storage.AppendMessagesAsync("../" + created.Id, TextMessages(1, "x")).AsTask(),
            () => Storage.DeleteAsync(created.Id + "/..").AsTask(),
            () => Storage.DeleteAsync(created.Id, cancelled.Token).AsTask(),
            () => Storage.AppendMessagesAsync(created.Id, TextMessages(1, "x"), cancelled.Token).AsTask(),
            () => Storage.ReplaceMessagesAsync(created.Id, [], updated.Version, cancelled.Token).AsTask(),
            () => Storage.UpdateAsync(updated with { Title = "cancelled" }, cancelled.Token).AsTask(),
        };

        for (int i = 0; i < badCalls.Length; i++)
        {
            Exception? caught = null;
            try
            {
                await badCalls[i]().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                caught = ex;
            }

            Assert.That(caught, Is.InstanceOf(typeof(SessionsException)).Or.InstanceOf(typeof(ArgumentException)).Or.InstanceOf(typeof(OperationCanceledException)), $"bad call {i} must fail");
        }

        var after = await Storage.GetAsync(created.Id).ConfigureAwait(false);
        var messagesAfter = await ReadAllAsync(created.Id).ConfigureAwait(false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(after!.Title, Is.EqualTo(before!.Title));
            Assert.That(after.Version, Is.EqualTo(before.Version));
            Assert.That(after.MessageCount, Is.EqualTo(before.MessageCount));
            Assert.That(after.Usage, Is.EqualTo(before.Usage));
            Assert.That(after.Tags, Is.EqualTo(before.Tags));
            Assert.That(messagesAfter.Select(m => (m.Sequence, m.Text)), Is.EqualTo(messagesBefore.Select(m => (m.Sequence, m.Text))));
        }
    }

    /// <summary>Checks that 16 concurrent writers appending to one session lose nothing, duplicate nothing and keep each writer's order.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task AppendMessagesAsync_ConcurrentWriters_NothingLostOrDuplicatedAndOrderKept()
    {
        var created = await Storage.CreateAsync(NewSession(), []).ConfigureAwait(false);
        int writers = ConcurrentWriters, perWriter = AppendsPerWriter;
        var acknowledged = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        using var start = new ManualResetEventSlim(false);

        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            start.Wait();
            for (int i = 0; i < perWriter; i++)
            {
                string text = $"w{w}-{i}";
                var appended = await Storage.AppendMessagesAsync(created.Id, [TextMessage(ChatRole.User, text)]).ConfigureAwait(false);
                acknowledged[text] = appended.Single().Sequence;
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(tasks).ConfigureAwait(false);

        var stored = await ReadAllAsync(created.Id).ConfigureAwait(false);
        int total = writers * perWriter;
        TestContext.Out.WriteLine($"{writers} writers x {perWriter} appends: {stored.Count} stored, {acknowledged.Count} acknowledged.");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored, Has.Count.EqualTo(total), "lost or duplicated messages");
            Assert.That(stored.Select(m => m.Sequence), Is.EqualTo(Range(1, total)), "sequences must be 1..n without gaps");
            Assert.That(stored.Select(m => m.Text).Distinct(StringComparer.Ordinal).Count(), Is.EqualTo(total), "duplicates");
            Assert.That((await Storage.GetAsync(created.Id).ConfigureAwait(false))!.MessageCount, Is.EqualTo(total));
            foreach (var message in stored)
            {
                Assert.That(acknowledged.TryGetValue(message.Text, out long seq) && seq == message.Sequence, Is.True, $"'{message.Text}' stored at {message.Sequence} but acknowledged at {seq}");
            }

            for (int w = 0; w < writers; w++)
            {
                string prefix = $"w{w}-";
                var mine = stored.Where(m => m.Text.StartsWith(prefix, StringComparison.Ordinal)).Select(m => int.Parse(m.Text.AsSpan(prefix.Length), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                Assert.That(mine, Is.EqualTo(Enumerable.Range(0, perWriter)), $"writer {w}'s order");
            }
        }
    }

    /// <summary>Checks that messages appended together stay contiguous when other writers append at the same time.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task AppendMessagesAsync_ConcurrentBatches_StayContiguous()
    {
        var created = await Storage.CreateAsync(NewSession(), []).ConfigureAwait(false);
        const int Writers = 8, Batches = 10, BatchSize = 3;

        var tasks = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (int b = 0; b < Batches; b++)
            {
                var batch = Enumerable.Range(0, BatchSize).Select(k => TextMessage(ChatRole.User, $"w{w}-b{b}-{k}")).ToArray();
                var appended = await Storage.AppendMessagesAsync(created.Id, batch).ConfigureAwait(false);
                Assert.That(appended.Select(m => m.Sequence), Is.EqualTo(Range(appended[0].Sequence, BatchSize)), "a batch must get contiguous sequences");
            }
        })).ToArray();
        await Task.WhenAll(tasks).ConfigureAwait(false);

        var stored = await ReadAllAsync(created.Id).ConfigureAwait(false);
        Assert.That(stored, Has.Count.EqualTo(Writers * Batches * BatchSize));
        for (int i = 0; i < stored.Count; i += BatchSize)
        {
            string batchName = stored[i].Text[..stored[i].Text.LastIndexOf('-')];
            Assert.That(stored.Skip(i).Take(BatchSize).Select(m => m.Text), Is.EqualTo(Enumerable.Range(0, BatchSize).Select(k => $"{batchName}-{k}")), $"batch at {i + 1} interleaved");
        }
    }

    /// <summary>Checks that appends running alongside metadata updates are merged, not overwritten.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task AppendMessagesAsync_AlongsideUpdates_BothApplied()
    {
        var created = await Storage.CreateAsync(NewSession(), []).ConfigureAwait(false);

        var appender = Task.Run(async () =>
        {
            for (int i = 0; i < 40; i++) await Storage.AppendMessagesAsync(created.Id, [TextMessage(ChatRole.User, $"a{i}")]).ConfigureAwait(false);
        });
        var updater = Task.Run(async () =>
        {
            for (int i = 0; i < 10; i++)
            {
                var current = (await Storage.GetAsync(created.Id).ConfigureAwait(false))!;
                await Storage.UpdateAsync(current with { Title = $"title {i}" }).ConfigureAwait(false);
            }
        });
        await Task.WhenAll(appender, updater).ConfigureAwait(false);

        var fetched = await Storage.GetAsync(created.Id).ConfigureAwait(false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(fetched!.Title, Is.EqualTo("title 9"));
            Assert.That(fetched.Version, Is.EqualTo(51), "10 edits and 40 appended messages after version 1");
            Assert.That(fetched.MessageCount, Is.EqualTo(40));
            Assert.That((await ReadAllAsync(created.Id).ConfigureAwait(false)).Select(m => m.Text), Is.EqualTo(Enumerable.Range(0, 40).Select(i => $"a{i}")));
        }
    }

    /// <summary>Gets every storage operation, for the cancellation checks.</summary>
    /// <returns>The operation names.</returns>
    public static IEnumerable<string> CancellableOperations() =>
        ["CreateAsync", "GetAsync", "AppendMessagesAsync", "GetMessagesAsync", "UpdateAsync", "ReplaceMessagesAsync", "DeleteAsync", "ExistsAsync", "ListAsync"];

    /// <summary>Checks that an already-cancelled token makes every operation throw <see cref="OperationCanceledException"/> without writing.</summary>
    /// <param name="operation">The operation.</param>
    /// <returns>A task that completes when the test is done.</returns>
    [TestCaseSource(nameof(CancellableOperations))]
    public async Task AllOperations_CancelledToken_ThrowOperationCanceledAndWriteNothing(string operation)
    {
        string marker = NewMarker();
        var existing = await Storage.CreateAsync(NewSession(title: "before", tags: marker), TextMessages(2)).ConfigureAwait(false);
        var fresh = NewSession(tags: marker);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync().ConfigureAwait(false);
        var token = cts.Token;

        Func<Task> call = operation switch
        {
            "CreateAsync" => () => Storage.CreateAsync(fresh, TextMessages(1), token).AsTask(),
            "GetAsync" => () => Storage.GetAsync(existing.Id, token).AsTask(),
            "AppendMessagesAsync" => () => Storage.AppendMessagesAsync(existing.Id, TextMessages(1, "x"), token).AsTask(),
            "GetMessagesAsync" => () => Storage.GetMessagesAsync(existing.Id, MessageRange.All, token).AsTask(),
            "UpdateAsync" => () => Storage.UpdateAsync(existing with { Title = "after" }, token).AsTask(),
            "ReplaceMessagesAsync" => () => Storage.ReplaceMessagesAsync(existing.Id, TextMessages(1, "x"), existing.Version, token).AsTask(),
            "DeleteAsync" => () => Storage.DeleteAsync(existing.Id, token).AsTask(),
            "ExistsAsync" => () => Storage.ExistsAsync(existing.Id, token).AsTask(),
            _ => () => ListAllAsync(Storage, new SessionQuery { Tag = marker }, token),
        };

        await ConformanceAssert.CatchAsync<OperationCanceledException>(() => call()).ConfigureAwait(false);

        var after = await Storage.GetAsync(existing.Id).ConfigureAwait(false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(after, Is.Not.Null, "a cancelled call must not delete");
            Assert.That(after!.Title, Is.EqualTo("before"));
            Assert.That(after.Version, Is.EqualTo(1));
            Assert.That((await ReadAllAsync(existing.Id).ConfigureAwait(false)).Select(m => m.Text), Is.EqualTo(new[] { "m1", "m2" }));
            Assert.That(await Storage.ExistsAsync(fresh.Id).ConfigureAwait(false), Is.False, "a cancelled create must not store the session");
        }
    }

    /// <summary>Checks that the storage's operations can be used from many threads at once across many sessions.</summary>
    /// <returns>A task that completes when the test is done.</returns>
    [Test]
    public async Task AllOperations_ConcurrentAcrossSessions_Consistent()
    {
        string marker = NewMarker();
        var tasks = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var info = await Storage.CreateAsync(NewSession(tags: marker), TextMessages(2)).ConfigureAwait(false);
            await Storage.AppendMessagesAsync(info.Id, TextMessages(3, "a")).ConfigureAwait(false);
            info = await Storage.UpdateAsync(info with { Title = $"w{w}" }).ConfigureAwait(false);
            await Storage.ReplaceMessagesAsync(info.Id, TextMessages(1, "r"), info.Version).ConfigureAwait(false);
            await ListAllAsync(Storage, new SessionQuery { Tag = marker }).ConfigureAwait(false);
            return info.Id;
        })).ToArray();

        string[] ids = await Task.WhenAll(tasks).ConfigureAwait(false);

        var listed = await ListAllAsync(Storage, new SessionQuery { Tag = marker }).ConfigureAwait(false);
        Assert.That(listed.Select(s => s.Id), Is.EquivalentTo(ids));
        Assert.That(listed.Select(s => s.MessageCount), Is.All.EqualTo(1));
        Assert.That(listed.Select(s => s.Version), Is.All.EqualTo(6), "created 1, three appended messages, one edit, one replacement");
    }
}
