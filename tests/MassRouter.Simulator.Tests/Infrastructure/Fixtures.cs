using System.Text;
using System.Text.Json;
using MassRouter.Tests;

namespace MassRouter.Simulator.Tests.Infrastructure;

/// <summary>The recorded provider fixtures in tests/fixtures/providers and how SOURCES.md says to replay them.</summary>
internal static class Fixtures
{
    public static string Root => FixturesRoot.Path;

    /// <summary>Every response fixture (not the recorded requests) of a provider folder, as "folder/file" paths.</summary>
    public static IEnumerable<string> ResponsesOf(string folder) =>
        Directory.EnumerateFiles(Path.Combine(Root, folder))
            .Select(Path.GetFileName)
            .Where(name => !name!.EndsWith(".request.json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name => folder + "/" + name);

    public static bool IsStream(string path) =>
        path.EndsWith(".sse", StringComparison.Ordinal) || path.EndsWith(".chunks.txt", StringComparison.Ordinal);

    /// <summary>
    /// The bytes a replay must send, built from SOURCES.md rather than from the simulator's loader: raw files as they are,
    /// <c>.chunks.txt</c> lines re-framed as SSE (with <c>event: type</c> for Anthropic and Cohere, no <c>[DONE]</c>).
    /// </summary>
    public static byte[] ExpectedReplay(string path)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Root, path));
        if (!path.EndsWith(".chunks.txt", StringComparison.Ordinal))
        {
            return bytes;
        }

        var typed = path.StartsWith("anthropic/", StringComparison.Ordinal) || path.StartsWith("cohere/", StringComparison.Ordinal);
        var framed = new StringBuilder();
        foreach (var raw in Encoding.UTF8.GetString(bytes).Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                continue;
            }

            if (typed)
            {
                using var document = JsonDocument.Parse(line);
                framed.Append("event: ").Append(document.RootElement.GetProperty("type").GetString()).Append('\n');
            }

            framed.Append("data: ").Append(line).Append("\n\n");
        }

        return Encoding.UTF8.GetBytes(framed.ToString());
    }

    /// <summary>The status a fixture is served with: NNN of "-error-NNN-" in its name, else 200.</summary>
    public static int ExpectedStatus(string path)
    {
        var match = System.Text.RegularExpressions.Regex.Match(path, @"error-(\d{3})(?!\d)");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 200;
    }
}
