using Microsoft.Extensions.DependencyInjection;

namespace Sessions.Sdk.TestHost;

/// <summary>
/// <c>edit-crash &lt;store&gt; &lt;sessionId&gt; &lt;from&gt; &lt;to&gt; &lt;file&gt;...</c>: opens an edit session on the file store (which finishes or undoes
/// an interrupted batch), prints <c>R</c>, then applies a batch turning <c>state = from</c> into <c>state = to</c> in every file, rolls it
/// back, and again, until killed; <c>I apply</c>/<c>A apply</c> and <c>I rollback</c>/<c>A rollback</c> bracket each call.
/// </summary>
internal sealed class EditCrashCommand : ITestHostCommand
{
    public string Name => "edit-crash";

    public async Task<int> RunAsync(string[] args)
    {
        string store = args[0], sessionId = args[1], from = args[2], to = args[3];
        string[] files = args[4..];
        var services = new ServiceCollection();
        services.AddSessions().UseFileStorage(store).AddEditing();
        await using var provider = services.BuildServiceProvider();
        var editor = await provider.GetRequiredService<IEditSessionManager>().OpenAsync(sessionId);
        Say("R");
        var batch = new EditBatch("flip", files.Select(f => EditOperation.Replace(f, $"state = {from}\n", $"state = {to}\n")));
        while (true)
        {
            Say("I apply");
            await editor.ApplyBatchAsync(batch);
            Say("A apply");
            Say("I rollback");
            await editor.RollbackAsync();
            Say("A rollback");
        }
    }

    private static void Say(string line)
    {
        Console.Out.Write(line + "\n");
        Console.Out.Flush();
    }
}
