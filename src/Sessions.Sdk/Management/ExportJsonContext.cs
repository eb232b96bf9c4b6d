using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Sessions.Sdk;

/// <summary>Source-generated JSON metadata used by export and import.</summary>
[JsonSerializable(typeof(JsonNode))]
internal sealed partial class ExportJsonContext : JsonSerializerContext;
