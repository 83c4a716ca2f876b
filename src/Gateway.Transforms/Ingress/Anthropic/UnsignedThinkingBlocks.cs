using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MassRouter.Gateway.Transforms.Ingress.Anthropic;

/// <summary>
/// Thinking blocks Anthropic cannot verify, taken out of a request bound for it. A <c>thinking</c> block another provider
/// wrote (the gateway translates reasoning into one, with an empty <c>signature</c>: only Anthropic can sign) makes
/// Anthropic refuse the whole request — "messages.1.content.0: Invalid `signature` in `thinking` block" — and every
/// later turn of the conversation carries it, so a conversation that once fell back to another provider could never
/// return to Anthropic. Blocks with a signature and <c>redacted_thinking</c> blocks are kept as they are; Anthropic
/// does not need earlier turns' thinking to answer.
/// </summary>
public static class UnsignedThinkingBlocks
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// True when <paramref name="body"/> may hold a thinking block with an empty or null signature: one vectorised search
    /// for the member name, so the requests without one (nearly all) cost no parse.
    /// </summary>
    public static bool MayBePresent(ReadOnlySpan<byte> body)
    {
        while (true)
        {
            var at = body.IndexOf("\"signature\""u8);
            if (at < 0)
            {
                return false;
            }

            body = body[(at + "\"signature\""u8.Length)..];
            var value = body.TrimStart(" \t\r\n"u8);
            if (value.Length > 0 && value[0] == (byte)':')
            {
                value = value[1..].TrimStart(" \t\r\n"u8);
                if (value.StartsWith("\"\""u8) || value.StartsWith("null"u8))
                {
                    return true;
                }
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="body"/> without its unsigned thinking blocks (a message left with no content goes too) and
    /// with <paramref name="model"/> as its model; false when the body is not a JSON object or has no messages array.
    /// </summary>
    public static bool TryRemove(ReadOnlySpan<byte> body, string model, IBufferWriter<byte> output)
    {
        JsonObject request;
        try
        {
            if (JsonNode.Parse(body) is not JsonObject parsed || parsed["messages"] is not JsonArray)
            {
                return false;
            }

            request = parsed;
        }
        catch (JsonException)
        {
            return false;
        }

        var messages = request["messages"]!.AsArray();
        var lastAssistant = true;
        for (var m = messages.Count - 1; m >= 0; m--)
        {
            var isAssistant = messages[m]?["role"] is JsonValue role && role.TryGetValue<string>(out var name) && name == "assistant";
            if (messages[m]?["content"] is not JsonArray content)
            {
                lastAssistant &= !isAssistant;
                continue;
            }

            var removed = false;
            for (var b = content.Count - 1; b >= 0; b--)
            {
                if (IsUnsignedThinking(content[b]))
                {
                    content.RemoveAt(b);
                    removed = true;
                }
            }

            // With thinking on, Anthropic wants the assistant turn a tool loop continues to start with its signed
            // thinking: that one answer goes without extended thinking (as LiteLLM does) rather than being refused.
            if (removed && isAssistant && lastAssistant && content.Any(IsToolUse))
            {
                request.Remove("thinking");
            }

            // An empty content is refused too; Anthropic joins the same-role turns the removal leaves side by side.
            if (removed && content.Count == 0)
            {
                messages.RemoveAt(m);
            }

            lastAssistant &= !isAssistant;
        }

        request["model"] = model;
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        request.WriteTo(writer);
        return true;
    }

    private static bool IsToolUse(JsonNode? block) =>
        block is JsonObject { } use && use["type"] is JsonValue type && type.TryGetValue<string>(out var name) && name == "tool_use";

    private static bool IsUnsignedThinking(JsonNode? block) =>
        block is JsonObject { } thinking
        && thinking["type"] is JsonValue type && type.TryGetValue<string>(out var name) && name == "thinking"
        && (thinking["signature"] is not JsonValue signature || !signature.TryGetValue<string>(out var value) || value.Length == 0);
}
