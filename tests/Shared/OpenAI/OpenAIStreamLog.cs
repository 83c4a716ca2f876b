using System.Text;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Sse;

namespace MassRouter.Tests.OpenAI;

/// <summary>
/// What a recorded OpenAI chunk stream says, accumulated independently of any translator, to compare translations with
/// (a linked file shared by the test projects).
/// </summary>
internal sealed class OpenAIStreamLog
{
    public List<byte[]> Chunks { get; } = [];

    public StringBuilder Content { get; } = new();

    public StringBuilder Reasoning { get; } = new();

    public SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)> ToolCalls { get; } = [];

    public string? FinishReason { get; private set; }

    /// <summary>True when the answer was a refusal (a non-empty <c>delta.refusal</c>).</summary>
    public bool Refused { get; private set; }

    /// <summary>The Anthropic stop reason the answer should translate to.</summary>
    public string AnthropicStopReason => Refused ? "refusal" : FinishReason switch
    {
        "length" => "max_tokens",
        "tool_calls" => "tool_use",
        "content_filter" => "refusal",
        _ => "end_turn",
    };

    public JsonElement? Usage { get; private set; }

    /// <summary>Reads a fixture: <c>.sse</c> through the gateway's SSE reader, <c>.chunks.txt</c> one payload per line.</summary>
    public static OpenAIStreamLog Load(string fixture)
    {
        var bytes = File.ReadAllBytes(Path.Combine(FixturesRoot.Path, fixture));
        var log = new OpenAIStreamLog();
        if (fixture.EndsWith(".chunks.txt", StringComparison.Ordinal))
        {
            foreach (var line in Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                log.Add(Encoding.UTF8.GetBytes(line));
            }

            return log;
        }

        return Read(bytes);
    }

    /// <summary>Reads an OpenAI SSE stream (a translator's output, say).</summary>
    public static OpenAIStreamLog Read(byte[] bytes)
    {
        var log = new OpenAIStreamLog();
        using var reader = new SseReader();
        var offset = 0;
        while (reader.TryRead(bytes.AsSpan(offset), isFinalBlock: true, out var sseEvent, out var consumed))
        {
            if (sseEvent.HasData && !sseEvent.IsDone)
            {
                log.Add(sseEvent.Data.ToArray());
            }

            offset += consumed;
            if (offset >= bytes.Length)
            {
                break;
            }
        }

        return log;
    }

    private void Add(byte[] chunk)
    {
        Chunks.Add(chunk);
        using var document = JsonDocument.Parse(chunk);
        var root = document.RootElement;
        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            Usage = usage.Clone();
        }

        if (!root.TryGetProperty("choices", out var choices))
        {
            return;
        }

        foreach (var choice in choices.EnumerateArray())
        {
            if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String)
            {
                FinishReason = finish.GetString();
            }

            if (!choice.TryGetProperty("delta", out var delta))
            {
                continue;
            }

            Append(Content, delta, "content");
            Refused |= delta.TryGetProperty("refusal", out var refusal) && refusal.ValueKind == JsonValueKind.String && refusal.GetString()!.Length > 0;
            Append(Content, delta, "refusal");
            Append(Reasoning, delta, "reasoning_content");
            Append(Reasoning, delta, "reasoning");
            if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray())
                {
                    // Mistral sends no index: each call comes whole, with its id.
                    var index = call.TryGetProperty("index", out var i) ? i.GetInt32() : ToolCalls.Count;
                    var entry = ToolCalls.TryGetValue(index, out var existing) ? existing : (null, null, new StringBuilder());
                    var function = call.TryGetProperty("function", out var f) ? f : default;
                    entry.Id ??= call.TryGetProperty("id", out var id) ? id.GetString() : null;
                    entry.Name ??= function.ValueKind == JsonValueKind.Object && function.TryGetProperty("name", out var name) ? name.GetString() : null;
                    if (function.ValueKind == JsonValueKind.Object && function.TryGetProperty("arguments", out var arguments))
                    {
                        entry.Arguments.Append(arguments.GetString());
                    }

                    ToolCalls[index] = entry;
                }
            }
        }
    }

    private static void Append(StringBuilder target, JsonElement delta, string name)
    {
        if (delta.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
        {
            target.Append(value.GetString());
        }
    }
}
