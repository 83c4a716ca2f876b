using System.Text.Json;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Anthropic;

/// <summary>Writes OpenAI messages as Anthropic <c>messages</c>: turns of typed content blocks.</summary>
internal sealed class AnthropicTurnWriter : ChatTurnWriter
{
    public static readonly AnthropicTurnWriter Instance = new();

    private AnthropicTurnWriter()
    {
    }

    protected override string Provider => "Anthropic";

    protected override ReadOnlySpan<byte> AssistantRole => "assistant"u8;

    protected override ReadOnlySpan<byte> PartsProperty => "content"u8;

    /// <summary>Writes a text content block, the shape the <c>system</c> array takes too.</summary>
    public static void WriteTextBlock(Utf8JsonWriter json, string? text)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, "text"u8);
        json.WriteString("text"u8, text);
        json.WriteEndObject();
    }

    protected override void WriteText(Utf8JsonWriter json, string? text) => WriteTextBlock(json, text);

    protected override bool TryWriteUserContent(Utf8JsonWriter json, JsonElement message, out CodecError error)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.String)
        {
            error = default;
            WriteTextBlock(json, content.ValueKind == JsonValueKind.String ? content.GetString() : "");
            return true;
        }

        // Other non-arrays (null, numbers, objects) are refused as the wrong shape when the parts are enumerated.
        return TryWriteParts(json, content, out error);
    }

    protected override bool TryWriteImage(Utf8JsonWriter json, string url, out CodecError error)
    {
        error = default;
        json.WriteStartObject();
        json.WriteString("type"u8, "image"u8);
        json.WriteStartObject("source"u8);
        if (OpenAIChatRequest.TryParseDataUrl(url, out var mediaType, out var data))
        {
            json.WriteString("type"u8, "base64"u8);
            json.WriteString("media_type"u8, mediaType);
            json.WriteString("data"u8, data);
        }
        else
        {
            json.WriteString("type"u8, "url"u8);
            json.WriteString("url"u8, url);
        }

        json.WriteEndObject();
        json.WriteEndObject();
        return true;
    }

    protected override bool TryWriteToolCall(Utf8JsonWriter json, JsonElement call, JsonElement function, out CodecError error)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, "tool_use"u8);
        json.WriteString("id"u8, call.TryGetProperty("id", out var id) ? id.GetString() : null);
        json.WriteString("name"u8, function.GetProperty("name").GetString());
        json.WritePropertyName("input"u8);
        if (!OpenAIChatRequest.TryWriteCallArguments(json, function, out error))
        {
            return false;
        }

        json.WriteEndObject();
        return true;
    }

    protected override bool TryWriteToolResult(Utf8JsonWriter json, OpenAIChatRequest request, JsonElement message, out CodecError error)
    {
        error = default;
        json.WriteStartObject();
        json.WriteString("type"u8, "tool_result"u8);
        json.WriteString("tool_use_id"u8, message.TryGetProperty("tool_call_id", out var id) ? id.GetString() : null);
        json.WriteString("content"u8, ToolResultText(message));
        json.WriteEndObject();
        return true;
    }
}
