using System.Text.Json.Serialization;

namespace Sessions.Sdk;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(SessionInfo))]
[JsonSerializable(typeof(SessionUsage))]
[JsonSerializable(typeof(SessionQuery))]
[JsonSerializable(typeof(SessionSearchHit))]
[JsonSerializable(typeof(SessionStateContent))]
internal sealed partial class SessionsJsonContext : JsonSerializerContext;
