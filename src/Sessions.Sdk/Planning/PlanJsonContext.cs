using System.Text.Json.Serialization;

namespace Sessions.Sdk;

/// <summary>The source-generated JSON context of plan state events and model-written plans.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    AllowTrailingCommas = true,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip)]
[JsonSerializable(typeof(PlanStateEvent))]
[JsonSerializable(typeof(PlanDraft))]
[JsonSerializable(typeof(PlanDraftStep))]
internal sealed partial class PlanJsonContext : JsonSerializerContext;
