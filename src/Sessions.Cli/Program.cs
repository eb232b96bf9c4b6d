using Sessions.Cli;

// Synchronous entry point: the commands run to completion on this thread (there is no synchronization context to deadlock).
return Cli.RunAsync(args).GetAwaiter().GetResult();
