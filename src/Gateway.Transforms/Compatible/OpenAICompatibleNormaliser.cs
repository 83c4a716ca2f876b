using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Translation;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Compatible;

/// <summary>
/// Irons out what OpenAI-compatible providers send differently from OpenAI, so clients see standard chunks:
/// Azure's anonymous first chunk (empty id, only <c>prompt_filter_results</c>) is dropped; Groq's mid-stream
/// <c>event: error</c> becomes a final <c>data: {"error":...}</c> event and <c>[DONE]</c>; OpenAI's own mid-stream
/// <c>data: {"error":{...}}</c> is the final event too, followed by <c>[DONE]</c> whether or not the provider sends
/// one; <c>reasoning</c> deltas (Groq, OpenRouter) are renamed
/// <c>reasoning_content</c> (DeepSeek's and xAI's name, used for every provider); usage found only in Groq's
/// <c>x_groq</c> becomes the usual usage chunk; tool calls without <c>index</c>/<c>type</c> (Mistral) get them. When the
/// client did not ask for usage (the gateway did, on its behalf), the <c>"usage":null</c> member OpenAI puts on every
/// chunk of such a stream is cut out, every other byte kept. Every other event is left to be relayed byte for byte: the
/// checks are a few vectorised byte searches, and only the rare matching events are rewritten.
/// </summary>
public sealed class OpenAICompatibleNormaliser(bool includeUsage)
{
    private int _nextToolIndex;

    /// <summary>True once an upstream error event has ended the client stream; later events are dropped.</summary>
    public bool IsEnded { get; private set; }

    /// <summary>
    /// Handles <paramref name="sseEvent"/> when it needs normalising: writes its replacement (or nothing) to
    /// <paramref name="output"/> and returns true. Returns false when the event is to be relayed unchanged.
    /// </summary>
    public bool TryNormalise(in SseEvent sseEvent, IBufferWriter<byte> output, ref TokenUsage usage) =>
        TryNormalise(sseEvent, ChunkFacts.None, default, output, ref usage);

    /// <summary>
    /// As <see cref="TryNormalise(in SseEvent, IBufferWriter{byte}, ref TokenUsage)"/>, for a chunk already read by
    /// <see cref="ChunkInspector"/>: <paramref name="facts"/> are what it found (an error member is recognised wherever
    /// it stands), <paramref name="nullUsage"/> where the chunk's top-level <c>"usage":null</c> lies (empty when there
    /// is none). That member is cut out when the client did not ask for usage.
    /// </summary>
    public bool TryNormalise(in SseEvent sseEvent, ChunkFacts facts, Range nullUsage, IBufferWriter<byte> output, ref TokenUsage usage)
    {
        if (IsEnded)
        {
            return true;
        }

        if (!sseEvent.HasData || sseEvent.IsDone)
        {
            return false;
        }

        var data = sseEvent.Data;
        // Only a stream the gateway asked usage for on the client's behalf loses the member.
        var cutUsage = !includeUsage && nullUsage.End.Value > nullUsage.Start.Value;
        if (!cutUsage)
        {
            nullUsage = default;
        }

        if (sseEvent.EventType.SequenceEqual("error"u8))
        {
            WriteData(output, data);
            End(output);
            return true;
        }

        try
        {
            if (((facts & ChunkFacts.HasError) != 0 || OpensWithError(data)) && IsErrorChunk(data))
            {
                // OpenAI's own mid-stream error: a data event, after which the stream closes without [DONE]. Others
                // (OpenRouter) put the error member after id, choices or usage.
                WriteEvent(sseEvent, nullUsage, output);
                End(output);
                return true;
            }

            if (data.IndexOf("\"prompt_filter_results\""u8) >= 0 && IsAnonymousFilterChunk(data))
            {
                return true;
            }

            var renameReasoning = data.IndexOf("\"reasoning\":\""u8) >= 0;
            var fixToolCalls = data.IndexOf("\"tool_calls\""u8) >= 0 && ToolCallsNeedFixing(data);
            var groqUsage = data.IndexOf("\"x_groq\""u8) >= 0 && TryGetGroqUsage(data, out var groq) ? groq : default;
            if (!renameReasoning && !fixToolCalls && groqUsage.IsEmpty && !cutUsage)
            {
                return false;
            }

            if (fixToolCalls)
            {
                output.Write("data: "u8);
                FixToolCalls(data, renameReasoning, cutUsage, output);
                output.Write("\n\n"u8);
            }
            else if (renameReasoning)
            {
                output.Write("data: "u8);
                var (start, end) = cutUsage ? WithSeparator(data, nullUsage) : (data.Length, data.Length);
                WriteRenamed(output, data[..start]);
                WriteRenamed(output, data[end..]);
                output.Write("\n\n"u8);
            }
            else
            {
                WriteEvent(sseEvent, nullUsage, output);
            }

            if (!groqUsage.IsEmpty)
            {
                WriteGroqUsage(data, groqUsage, output, ref usage);
            }

            return true;
        }
        catch (JsonException)
        {
            // Not JSON we can read: relay it as it came, the client decides.
            return false;
        }
    }

    /// <summary>Ends the client stream after an upstream error; whatever the provider sends next (its own [DONE]) is dropped.</summary>
    private void End(IBufferWriter<byte> output)
    {
        output.Write("data: [DONE]\n\n"u8);
        IsEnded = true;
    }

    /// <summary>
    /// True when the object's first member is named <c>error</c>, as in OpenAI's error shape: a look at the first bytes,
    /// not a search, since every chunk of every passthrough stream comes through here.
    /// </summary>
    private static bool OpensWithError(ReadOnlySpan<byte> data)
    {
        data = data.TrimStart(" \t\r\n"u8);
        return data.Length > 0 && data[0] == (byte)'{' && data[1..].TrimStart(" \t\r\n"u8).StartsWith("\"error\""u8);
    }

    /// <summary>An <c>error</c> member holding an object (not a string, not null): the chunk is an error.</summary>
    private static bool IsErrorChunk(ReadOnlySpan<byte> data) =>
        JsonProbe.TryGet(data, "error"u8, out var error) && error.Length > 0 && error[0] == (byte)'{';

    /// <summary>
    /// Writes the event as it came, less the <c>"usage":null</c> member at <paramref name="nullUsage"/> (when not empty):
    /// the framing around a single data line is kept byte for byte too.
    /// </summary>
    private static void WriteEvent(in SseEvent sseEvent, Range nullUsage, IBufferWriter<byte> output)
    {
        if (nullUsage.End.Value == 0)
        {
            output.Write(sseEvent.Raw);
            return;
        }

        var data = sseEvent.Data;
        var (start, end) = WithSeparator(data, nullUsage);
        if (sseEvent.Raw.Overlaps(data, out var at))
        {
            output.Write(sseEvent.Raw[..(at + start)]);
            output.Write(sseEvent.Raw[(at + end)..]);
            return;
        }

        // Data spread over several lines (joined by the reader): written again as one line.
        output.Write("data: "u8);
        output.Write(data[..start]);
        output.Write(data[end..]);
        output.Write("\n\n"u8);
    }

    /// <summary>
    /// The member at <paramref name="member"/> widened to the comma that separates it from a neighbour: the one before
    /// it, or the one after it when it is the first member, so what remains is the same object without it.
    /// </summary>
    private static (int Start, int End) WithSeparator(ReadOnlySpan<byte> json, Range member)
    {
        var (start, end) = (member.Start.Value, member.End.Value);
        var before = json[..start].LastIndexOfAnyExcept(JsonWhitespace);
        if (before >= 0 && json[before] == (byte)',')
        {
            return (before, end);
        }

        var after = json[end..].IndexOfAnyExcept(JsonWhitespace);
        return after >= 0 && json[end + after] == (byte)',' ? (start, end + after + 1) : (start, end);
    }

    private static ReadOnlySpan<byte> JsonWhitespace => " \t\r\n"u8;

    private static void WriteData(IBufferWriter<byte> output, ReadOnlySpan<byte> json)
    {
        output.Write("data: "u8);
        output.Write(json);
        output.Write("\n\n"u8);
    }

    private static bool IsAnonymousFilterChunk(ReadOnlySpan<byte> data) =>
        JsonProbe.TryGet(data, "id"u8, out var id) && JsonOutput.IsEmptyString(id)
        && JsonProbe.TryGet(data, "choices"u8, out var choices) && !JsonProbe.TryFirstItem(choices, out _)
        && !JsonProbe.TryGet(data, "usage"u8, out _);

    /// <summary><c>"reasoning":"</c> only occurs as a key: inside JSON strings a quote is always escaped.</summary>
    private static void WriteRenamed(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        while (true)
        {
            var at = data.IndexOf("\"reasoning\":\""u8);
            if (at < 0)
            {
                output.Write(data);
                return;
            }

            output.Write(data[..at]);
            output.Write("\"reasoning_content\":\""u8);
            data = data[(at + "\"reasoning\":\"".Length)..];
        }
    }

    private static bool ToolCallsNeedFixing(ReadOnlySpan<byte> data)
    {
        if (!JsonProbe.TryGet(data, "choices"u8, out var choices))
        {
            return false;
        }

        var position = 0;
        while (JsonProbe.TryNextItem(choices, ref position, out var choice))
        {
            if (!JsonProbe.TryGet(choice, "delta"u8, "tool_calls"u8, out var calls))
            {
                continue;
            }

            var at = 0;
            while (JsonProbe.TryNextItem(calls, ref at, out var call))
            {
                if (!JsonProbe.TryGet(call, "index"u8, out _))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private void FixToolCalls(ReadOnlySpan<byte> data, bool renameReasoning, bool cutUsage, IBufferWriter<byte> output)
    {
        var chunk = JsonNode.Parse(data)!.AsObject();
        if (cutUsage)
        {
            chunk.Remove("usage");
        }

        foreach (var choice in chunk["choices"]!.AsArray())
        {
            if (choice?["delta"] is not JsonObject delta)
            {
                continue;
            }

            if (renameReasoning && delta["reasoning"] is JsonValue reasoning && delta["reasoning_content"] is null)
            {
                delta.Remove("reasoning");
                delta["reasoning_content"] = reasoning;
            }

            if (delta["tool_calls"] is not JsonArray calls)
            {
                continue;
            }

            foreach (var call in calls.OfType<JsonObject>())
            {
                if (call["index"] is not null)
                {
                    continue;
                }

                // A call with an id starts a new tool call; one without continues the last.
                var starts = call["id"] is not null;
                call["index"] = starts ? _nextToolIndex++ : Math.Max(_nextToolIndex - 1, 0);
                if (starts && call["type"] is null)
                {
                    call["type"] = "function";
                }
            }
        }

        using var json = new Utf8JsonWriter(output, JsonOutput.Options);
        chunk.WriteTo(json);
    }

    private static bool TryGetGroqUsage(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> usage)
    {
        usage = default;
        return !JsonProbe.TryGet(data, "usage"u8, out var top) | top.SequenceEqual("null"u8)
            && JsonProbe.TryGet(data, "x_groq"u8, "usage"u8, out usage) && usage.Length > 0 && usage[0] == (byte)'{';
    }

    private void WriteGroqUsage(ReadOnlySpan<byte> data, ReadOnlySpan<byte> groqUsage, IBufferWriter<byte> output, ref TokenUsage usage)
    {
        usage = new TokenUsage(
            JsonProbe.Number(groqUsage, "prompt_tokens"u8, 0),
            JsonProbe.Number(groqUsage, "completion_tokens"u8, 0),
            0,
            0)
        {
            IsKnown = true,
        };
        if (!includeUsage)
        {
            return;
        }

        using var json = new Utf8JsonWriter(output, JsonOutput.Options);
        output.Write("data: "u8);
        json.WriteStartObject();
        foreach (var name in (ReadOnlySpan<string>)["id", "object", "created", "model"])
        {
            if (JsonProbe.TryGet(data, System.Text.Encoding.UTF8.GetBytes(name), out var value))
            {
                json.WritePropertyName(name);
                json.WriteRawValue(value, skipInputValidation: true);
            }
        }

        json.WriteStartArray("choices"u8);
        json.WriteEndArray();
        OpenAIChunkWriter.WriteUsage(json, usage);
        json.WriteEndObject();
        json.Flush();
        output.Write("\n\n"u8);
    }
}
