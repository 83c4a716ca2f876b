using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using MassRouter.Simulator.Providers.Bedrock;

namespace MassRouter.Simulator.Replay;

/// <summary>
/// Turns a fixture file into a <see cref="ReplayFixture"/>, re-framing <c>.chunks.txt</c> files as the provider streamed them
/// (see SOURCES.md): SSE, or AWS event-stream messages for Bedrock.
/// </summary>
internal static class FixtureLoader
{
    private const string EventStream = "text/event-stream";

    // Providers whose streams end with "data: [DONE]", and providers whose SSE events carry "event: <type>".
    private static readonly HashSet<string> _doneTerminatedFolders = new(StringComparer.OrdinalIgnoreCase)
    {
        "openai", "openai-compatible", "mistral", "groq", "deepseek",
    };

    private static readonly HashSet<string> _typedEventFolders = new(StringComparer.OrdinalIgnoreCase) { "anthropic", "cohere" };

    // Providers whose streams are AWS event streams: each line is one message, {"<event type>":<payload>}.
    private static readonly HashSet<string> _awsEventStreamFolders = new(StringComparer.OrdinalIgnoreCase) { "bedrock" };

    public static ReplayFixture Load(string fullPath, string relativePath)
    {
        var bytes = File.ReadAllBytes(fullPath);
        var name = Path.GetFileName(fullPath);
        if (name.EndsWith(".sse", StringComparison.OrdinalIgnoreCase))
        {
            return new ReplayFixture(bytes, StatusCodes.Status200OK, EventStream, FindSseEventEnds(bytes));
        }

        if (name.EndsWith(".chunks.txt", StringComparison.OrdinalIgnoreCase))
        {
            var slash = relativePath.IndexOf('/', StringComparison.Ordinal);
            var folder = slash < 0 ? string.Empty : relativePath[..slash];
            if (_awsEventStreamFolders.Contains(folder))
            {
                var (messages, messageEnds) = EncodeEventStreamChunks(bytes, relativePath);
                return new ReplayFixture(messages, StatusCodes.Status200OK, AwsEventStream.ContentType, messageEnds);
            }

            var (body, ends) = FrameChunks(bytes, _typedEventFolders.Contains(folder), _doneTerminatedFolders.Contains(folder));
            return new ReplayFixture(body, StatusCodes.Status200OK, EventStream, ends);
        }

        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return new ReplayFixture(bytes, StatusFromName(name), "application/json", null);
        }

        if (name.EndsWith(".eventstream.bin", StringComparison.OrdinalIgnoreCase))
        {
            return new ReplayFixture(bytes, StatusCodes.Status200OK, AwsEventStream.ContentType, FindEventStreamMessageEnds(bytes));
        }

        return new ReplayFixture(bytes, StatusCodes.Status200OK, "application/octet-stream", null);
    }

    /// <summary>"...-error-404-..." is served with 404; any other name with 200.</summary>
    private static int StatusFromName(string name)
    {
        const string Marker = "error-";
        for (var at = name.IndexOf(Marker, StringComparison.OrdinalIgnoreCase); at >= 0;
             at = name.IndexOf(Marker, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var digits = at + Marker.Length;
            if (digits + 3 <= name.Length
                && char.IsAsciiDigit(name[digits]) && char.IsAsciiDigit(name[digits + 1]) && char.IsAsciiDigit(name[digits + 2])
                && (digits + 3 == name.Length || !char.IsAsciiDigit(name[digits + 3])))
            {
                var status = ((name[digits] - '0') * 100) + ((name[digits + 1] - '0') * 10) + (name[digits + 2] - '0');
                if (status is >= 100 and <= 599)
                {
                    return status;
                }
            }
        }

        return StatusCodes.Status200OK;
    }

    /// <summary>Events end at a blank line: "\n\n", or "\r\n\r\n" as Gemini sends them.</summary>
    private static int[] FindSseEventEnds(byte[] body)
    {
        var ends = new List<int>();
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] == '\n' && i + 1 < body.Length && body[i + 1] == '\n')
            {
                ends.Add(i + 2);
                i++;
            }
            else if (body[i] == '\r' && body.AsSpan(i).StartsWith("\r\n\r\n"u8))
            {
                ends.Add(i + 4);
                i += 3;
            }
        }

        if (ends.Count == 0 || ends[^1] != body.Length)
        {
            ends.Add(body.Length);
        }

        return [.. ends];
    }

    private static (byte[] Body, int[] EventEnds) FrameChunks(byte[] lines, bool typedEvents, bool doneTerminated)
    {
        using var framed = new MemoryStream(lines.Length + (lines.Length / 4));
        var ends = new List<int>();
        foreach (var range in NonBlankLines(lines))
        {
            var line = lines.AsSpan(range);
            if (typedEvents && ReadType(line) is { } type)
            {
                framed.Write("event: "u8);
                framed.Write(Encoding.UTF8.GetBytes(type));
                framed.Write("\n"u8);
            }

            framed.Write("data: "u8);
            framed.Write(line);
            framed.Write("\n\n"u8);
            ends.Add((int)framed.Length);
        }

        if (doneTerminated)
        {
            framed.Write("data: [DONE]\n\n"u8);
            ends.Add((int)framed.Length);
        }

        return (framed.ToArray(), [.. ends]);
    }

    /// <summary>
    /// Encodes each line <c>{"messageStart":{"role":"assistant"}}</c> as one event-stream message: the key is its
    /// <c>:event-type</c>, the value's bytes, exactly as in the line, its payload.
    /// </summary>
    private static (byte[] Body, int[] MessageEnds) EncodeEventStreamChunks(byte[] lines, string relativePath)
    {
        var messages = new System.Buffers.ArrayBufferWriter<byte>(lines.Length * 2);
        var ends = new List<int>();
        foreach (var range in NonBlankLines(lines))
        {
            var line = lines.AsSpan(range);
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
            {
                throw new InvalidDataException($"{relativePath}: a line is not {{\"<eventType>\":<payload>}}.");
            }

            var eventType = reader.GetString()!;
            reader.Read();
            var payloadStart = (int)reader.TokenStartIndex;
            reader.Skip();
            var payload = line[payloadStart..(int)reader.BytesConsumed];
            AwsEventStream.WriteMessage(messages, AwsEventStream.EventHeaders(eventType), payload);
            ends.Add(messages.WrittenCount);
        }

        return (messages.WrittenSpan.ToArray(), [.. ends]);
    }

    /// <summary>The lines of a <c>.chunks.txt</c> file without their line ends (LF or CRLF), blank lines left out.</summary>
    private static List<Range> NonBlankLines(byte[] text)
    {
        var lines = new List<Range>();
        var start = 0;
        while (start < text.Length)
        {
            var newline = text.AsSpan(start).IndexOf((byte)'\n');
            var end = newline < 0 ? text.Length : start + newline;
            var line = text.AsSpan(start, end - start).TrimEnd((byte)'\r');
            if (!line.Trim(" \t"u8).IsEmpty)
            {
                lines.Add(new Range(start, start + line.Length));
            }

            start = end + 1;
        }

        return lines;
    }

    /// <summary>The top-level "type" of a JSON payload, or null.</summary>
    private static string? ReadType(ReadOnlySpan<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("type"u8);
                reader.Read();
                if (isType && reader.TokenType == JsonTokenType.String)
                {
                    return reader.GetString();
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    /// <summary>AWS event-stream messages start with their total length (4 bytes, big-endian).</summary>
    private static int[] FindEventStreamMessageEnds(byte[] body)
    {
        var ends = new List<int>();
        var offset = 0;
        while (offset + 4 <= body.Length)
        {
            var total = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(offset));
            if (total < 16 || total > body.Length - offset)
            {
                break;
            }

            offset += total;
            ends.Add(offset);
        }

        if (ends.Count == 0 || ends[^1] != body.Length)
        {
            ends.Add(body.Length);
        }

        return [.. ends];
    }
}
