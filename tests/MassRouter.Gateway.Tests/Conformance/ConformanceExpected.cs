using System.Text.Json;
using System.Text.Json.Nodes;

namespace MassRouter.Gateway.Tests.Conformance;

/// <summary>
/// Expected client-side results, stored as readable JSON under Conformance/Expected/. Set MASSROUTER_UPDATE_EXPECTED=1
/// to (re)write them from what the SDK received; they are then reviewed by a person and committed like code.
/// </summary>
internal static class ConformanceExpected
{
    private static readonly bool Update = Environment.GetEnvironmentVariable("MASSROUTER_UPDATE_EXPECTED") == "1";

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>tests/ of the repository (the fixtures are at tests/fixtures/providers).</summary>
    public static string TestsDir { get; } = Path.GetFullPath(Path.Combine(MassRouter.Tests.FixturesRoot.Path, "..", ".."));

    public static string Dir { get; } = Path.Combine(TestsDir, "MassRouter.Gateway.Tests", "Conformance", "Expected");

    /// <summary>The translation library's expected OpenAI outputs (tests/MassRouter.Gateway.Transforms.Tests/Expected).</summary>
    public static string LibraryDir { get; } = Path.Combine(TestsDir, "MassRouter.Gateway.Transforms.Tests", "Expected");

    /// <summary>The translation library's OpenAI-format scenario requests (tests/MassRouter.Gateway.Transforms.Tests/Requests).</summary>
    public static string RequestsDir { get; } = Path.Combine(TestsDir, "MassRouter.Gateway.Transforms.Tests", "Requests");

    public static JsonObject Read(string relative) => JsonNode.Parse(File.ReadAllText(Path.Combine(Dir, relative)))!.AsObject();

    /// <summary>Compares <paramref name="actual"/> with the stored file by value.</summary>
    public static void Check(string relative, JsonObject actual)
    {
        var path = Path.Combine(Dir, relative);
        if (Update)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual.ToJsonString(Indented) + "\n");
            return;
        }

        Assert.True(File.Exists(path), $"Expected client result {relative} is missing; run with MASSROUTER_UPDATE_EXPECTED=1 and review it.");
        var expected = JsonNode.Parse(File.ReadAllText(path));
        Assert.True(JsonNode.DeepEquals(expected, actual), $"{relative} differs:\nexpected {expected!.ToJsonString()}\nactual   {actual.ToJsonString()}");
    }
}
