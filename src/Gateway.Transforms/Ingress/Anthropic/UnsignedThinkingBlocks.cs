using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Transforms.Translation;

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
        JsonArray messages;
        try
        {
            // The depth every request reader allows: a body the model rewriter forwards is never refused here.
            if (JsonNode.Parse(body, documentOptions: RequestJson.DocumentOptions) is not JsonObject parsed || parsed["messages"] is not JsonArray list)
            {
                return false;
            }

            (request, messages) = (parsed, list);
        }
        catch (JsonException)
        {
            return false;
        }

        var lastAssistant = true;
        for (var m = messages.Count - 1; m >= 0; m--)
        {
            // Anything not shaped as Anthropic wants is left for Anthropic to refuse in its words.
            var message = messages[m] as JsonObject;
            var isAssistant = IsString(message?["role"], "assistant");
            if (message?["content"] is not JsonArray content)
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

    private static bool IsToolUse(JsonNode? block) => block is JsonObject use && IsString(use["type"], "tool_use");

    private static bool IsUnsignedThinking(JsonNode? block) =>
        block is JsonObject thinking
        && IsString(thinking["type"], "thinking")
        && (thinking["signature"] is not JsonValue signature || !signature.TryGetValue<string>(out var value) || value.Length == 0);

    private static bool IsString(JsonNode? node, string expected) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && text == expected;
}
