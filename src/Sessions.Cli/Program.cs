using Sessions.Cli;

return await Cli.RunAsync(args);
