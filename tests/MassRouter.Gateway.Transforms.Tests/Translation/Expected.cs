using System.Text.Json;
using System.Text.Json.Nodes;

namespace MassRouter.Gateway.Transforms.Tests.Translation;

/// <summary>
/// Expected translator outputs, stored as readable files under Expected/. Set MASSROUTER_UPDATE_EXPECTED=1 to
/// (re)write them from the current output; they are then reviewed by a person and committed like code.
/// </summary>
internal static class Expected
{
    private static readonly bool Update = Environment.GetEnvironmentVariable("MASSROUTER_UPDATE_EXPECTED") == "1";

    public static string Dir { get; } = Path.Combine(ProjectDir(), "Expected");

    public static string ProjectDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MassRouter.Gateway.Transforms.Tests.csproj")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("test project directory not found");
    }

    /// <summary>Compares text exactly (streams: one SSE event per line pair).</summary>
    public static void Text(string relative, string actual)
    {
        var path = Path.Combine(Dir, relative);
        if (Update)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"Expected output {relative} is missing; run with MASSROUTER_UPDATE_EXPECTED=1 and review it.");
        Assert.Equal(File.ReadAllText(path), actual);
    }

    /// <summary>Compares JSON by value; the file is stored indented.</summary>
    public static void Json(string relative, string actualJson)
    {
        var path = Path.Combine(Dir, relative);
        var actual = JsonNode.Parse(actualJson);
        if (Update)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual!.ToJsonString(Indented) + "\n");
            return;
        }

        Assert.True(File.Exists(path), $"Expected output {relative} is missing; run with MASSROUTER_UPDATE_EXPECTED=1 and review it.");
        var expected = JsonNode.Parse(File.ReadAllText(path));
        Assert.True(JsonNode.DeepEquals(expected, actual), $"{relative} differs:\nexpected {expected!.ToJsonString()}\nactual   {actual!.ToJsonString()}");
    }

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
