using System.Text.Json;
using System.Text.Json.Serialization;

namespace MassRouter.LoadTests.Reporting;

/// <summary>Writes results as indented JSON (infinite bounds as "Infinity").</summary>
internal static class JsonOutput
{
    private static readonly JsonSerializerOptions _options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void Write<T>(string path, T value) => File.WriteAllText(path, JsonSerializer.Serialize(value, _options));
}
