using System.Text;
using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Tests.Translation;

/// <summary>Loads a recorded stream fixture as the SSE bytes the provider sent.</summary>
internal static class FixtureStream
{
    /// <summary>
    /// <c>.sse</c> files are the body as recorded. <c>.chunks.txt</c> files hold one JSON payload per line with the
    /// framing removed (see SOURCES.md): it is put back as the provider frames it.
    /// </summary>
    public static byte[] Load(string path, bool namedEvents, bool doneSentinel)
    {
        if (path.EndsWith(".sse", StringComparison.Ordinal))
        {
            return File.ReadAllBytes(path);
        }

        var sse = new StringBuilder();
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (namedEvents)
            {
                using var document = JsonDocument.Parse(line);
                sse.Append("event: ").Append(document.RootElement.GetProperty("type").GetString()).Append('\n');
            }

            sse.Append("data: ").Append(line).Append("\n\n");
        }

        if (doneSentinel)
        {
            sse.Append("data: [DONE]\n\n");
        }

        return Encoding.UTF8.GetBytes(sse.ToString());
    }
}
