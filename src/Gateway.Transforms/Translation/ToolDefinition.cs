using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>One function tool the client offers, from <c>tools</c> or the legacy <c>functions</c>.</summary>
internal readonly record struct ToolDefinition(string Name, string? Description, JsonElement Parameters, bool Strict);
