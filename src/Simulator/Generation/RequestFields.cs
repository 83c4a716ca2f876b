using System.Buffers;
using System.Text.Json;

namespace MassRouter.Simulator.Generation;

/// <summary>Lenient readers for the top-level request fields the provider simulators share: a wrong type reads as absent.</summary>
internal static class RequestFields
{
    /// <summary>
    /// Parses a request body and reads it with <paramref name="read"/>; null when it is not a JSON object. A JsonDocument is
    /// fine here: tools and tool choices sit deep in the tree, and these generated paths are not what benchmarks measure.
    /// </summary>
    public static T? ReadObject<T>(ReadOnlySequence<byte> body, Func<JsonElement, T> read)
        where T : class
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object ? read(document.RootElement) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static bool IsTrue(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>An integer field; numbers beyond int range read as <see cref="int.MaxValue"/> (a limit that never binds).</summary>
    public static int? Int(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? (value.TryGetInt32(out var parsed) ? parsed : int.MaxValue)
            : null;

    /// <summary>True when <c>root.name.type</c> is one of <paramref name="types"/> (thinking configurations).</summary>
    public static bool HasType(JsonElement root, string name, params string[] types) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
        && value.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && types.Contains(type.GetString());
}
