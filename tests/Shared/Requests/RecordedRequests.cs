using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MassRouter.Tests;

/// <summary>
/// Compares a translated provider request with the recorded one (tests/fixtures/providers/*/*.request.json), shared by
/// the library-level check and the end-to-end one through the gateway so both apply the same rules.
/// </summary>
internal static partial class RecordedRequests
{
    /// <summary>
    /// Removes from both requests the fields listed, with the reason, in <paramref name="differencesPath"/> (fields the
    /// OpenAI API cannot express) and <paramref name="ignored"/>, and returns both in a comparable form (Gemini's JSON
    /// accepts snake_case and lowerCamelCase field names alike, so keys are camel-cased when <paramref name="camelCase"/>).
    /// </summary>
    public static (JsonNode Recorded, JsonNode Translated) Comparable(JsonNode recorded, JsonNode translated, string differencesPath, bool camelCase, params string[] ignored)
    {
        recorded = recorded.DeepClone();
        translated = translated.DeepClone();
        if (File.Exists(differencesPath))
        {
            foreach (var (jsonPath, reason) in JsonNode.Parse(File.ReadAllText(differencesPath))!.AsObject())
            {
                Assert.False(string.IsNullOrWhiteSpace(reason?.GetValue<string>()), $"difference {jsonPath} needs a reason");
                var inRecording = Remove(recorded, jsonPath);
                var inTranslation = Remove(translated, jsonPath);
                Assert.True(inRecording || inTranslation, $"{jsonPath} is listed as a difference but is in neither request");
            }
        }

        foreach (var jsonPath in ignored)
        {
            Remove(recorded, jsonPath);
            Remove(translated, jsonPath);
        }

        return camelCase ? (CamelCaseKeys(recorded), CamelCaseKeys(translated)) : (recorded, translated);
    }

    /// <summary>Removes a dotted path (array indices as numbers); true when it existed.</summary>
    private static bool Remove(JsonNode node, string path)
    {
        var parts = path.Split('.');
        var current = node;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            current = int.TryParse(parts[i], out var index) ? current?.AsArray().ElementAtOrDefault(index) : current?[parts[i]];
        }

        if (current is JsonArray array && int.TryParse(parts[^1], out var at) && at < array.Count)
        {
            array.RemoveAt(at);
            return true;
        }

        return current is JsonObject obj && obj.Remove(parts[^1]);
    }

    private static JsonNode CamelCaseKeys(JsonNode node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(Camel(p.Key), p.Value is null ? null : CamelCaseKeys(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(e => e is null ? null : CamelCaseKeys(e))]),
        _ => node.DeepClone(),
    };

    private static string Camel(string key) => SnakeLetter().Replace(key, m => m.Groups[1].Value.ToUpperInvariant());

    [GeneratedRegex("_([a-z])")]
    private static partial Regex SnakeLetter();
}
