using System.Text.Json.Serialization;

namespace MassRouter.Gateway.Transforms.Ingress.Anthropic;

/// <summary>Source-generated (AOT-safe) serialization of the few whole values the translators encode.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class AnthropicJsonContext : JsonSerializerContext;
