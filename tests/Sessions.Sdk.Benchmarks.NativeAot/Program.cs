using System.Globalization;
using System.Text.Json;
using Sessions.Sdk.Benchmarks;

// The harness runs this child as `<executable> --child <measurement> <schema> [<expected sessions>]` and reads the last line of
// its output: the figures as one JSON object, the same shape the harness's own children print.
if (args.Length is < 3 or > 4 || args[0] != "--child")
{
    await Console.Error.WriteLineAsync("usage: Sessions.Sdk.Benchmarks.NativeAot --child <w7-postgresql-list|w7-postgresql-list-reference|w7-postgresql-exercise> <schema> [<expected sessions>]");
    return 2;
}

int expected = args.Length == 4 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 0;
var figures = args[1] switch
{
    "w7-postgresql-list" => await PostgreSqlBench.OpenAndListAsync(args[2], expected),
    "w7-postgresql-list-reference" => await PostgreSqlBench.NpgsqlAloneListAsync(args[2], expected),
    "w7-postgresql-exercise" => await PostgreSqlBench.ExerciseStoreAsync(args[2]),
    _ => throw new ArgumentException($"unknown measurement '{args[1]}'", nameof(args)),
};

// Written by hand: reflection-based serialization is not available ahead of time, and one flat object needs no contract.
using (var stdout = Console.OpenStandardOutput())
using (var json = new Utf8JsonWriter(stdout))
{
    json.WriteStartObject();
    foreach (var (name, value) in figures) json.WriteNumber(name, value);
    json.WriteEndObject();
}

Console.WriteLine();
return 0;
