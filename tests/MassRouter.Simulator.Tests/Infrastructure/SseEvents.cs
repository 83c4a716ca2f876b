using System.Text.Json;

namespace MassRouter.Simulator.Tests.Infrastructure;

/// <summary>Splits an SSE body into (event name, data) pairs; blank lines end events, CRLF and LF alike.</summary>
internal static class SseEvents
{
    public static List<(string? Event, string Data)> Parse(string body)
    {
        var events = new List<(string?, string)>();
        foreach (var block in body.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? name = null;
            var data = new List<string>();
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Add(line["data: ".Length..]);
                }
            }

            events.Add((name, string.Join('\n', data)));
        }

        return events;
    }

    public static JsonElement Json(string data)
    {
        using var document = JsonDocument.Parse(data);
        return document.RootElement.Clone();
    }
}
