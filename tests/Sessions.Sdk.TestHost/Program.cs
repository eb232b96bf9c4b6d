using Sessions.Sdk.TestHost;

// Child process for crash (kill -9) and multi-process tests: Sessions.Sdk.TestHost <command> <args...>
var commands = typeof(ITestHostCommand).Assembly.GetTypes()
    .Where(t => typeof(ITestHostCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (ITestHostCommand)Activator.CreateInstance(t)!)
    .ToDictionary(c => c.Name, StringComparer.Ordinal);
if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    await Console.Error.WriteLineAsync("usage: Sessions.Sdk.TestHost <" + string.Join('|', commands.Keys.Order(StringComparer.Ordinal)) + "> [args]");
    return 64;
}

return await command.RunAsync(args[1..]);
