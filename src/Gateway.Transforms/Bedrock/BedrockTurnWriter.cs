using System.Text.Json;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Bedrock;

/// <summary>
/// Writes OpenAI messages as Converse <c>messages</c>: alternating user and assistant turns of content blocks
/// (<c>text</c>, <c>image</c>, <c>toolUse</c>, <c>toolResult</c>). Converse refuses two turns of one role in a row, so
/// same-role messages (a user's words after tool results, say) share one turn.
/// </summary>
internal sealed class BedrockTurnWriter : ChatTurnWriter
{
    public static readonly BedrockTurnWriter Instance = new();

    private const string DataUrlsOnly = "Bedrock models take images as data URLs (data:image/png|jpeg|gif|webp;base64,...) here; the Converse API cannot fetch http URLs.";

    private BedrockTurnWriter()
    {
    }

    protected override string Provider => "Bedrock";

    protected override ReadOnlySpan<byte> AssistantRole => "assistant"u8;

    protected override ReadOnlySpan<byte> PartsProperty => "content"u8;

    protected override bool MergesConsecutiveTurns => true;

    /// <summary>Writes a text content block, the shape <c>system</c> blocks take too.</summary>
    public static void WriteTextBlock(Utf8JsonWriter json, string? text)
    {
        json.WriteStartObject();
        json.WriteString("text"u8, text);
        json.WriteEndObject();
    }

    protected override void WriteText(Utf8JsonWriter json, string? text) => WriteTextBlock(json, text);

    protected override bool TryWriteImage(Utf8JsonWriter json, string url, out CodecError error)
    {
        if (!OpenAIChatRequest.TryParseDataUrl(url, out var mediaType, out var data))
        {
            error = OpenAIChatRequest.Invalid("messages", DataUrlsOnly);
            return false;
        }

        var format = mediaType.ToLowerInvariant() switch
        {
            "image/png" => "png",
            "image/jpeg" or "image/jpg" => "jpeg",
            "image/gif" => "gif",
            "image/webp" => "webp",
            _ => null,
        };
        if (format is null)
        {
            error = OpenAIChatRequest.Invalid("messages", $"Images of type '{mediaType}' cannot be sent to Bedrock models (use png, jpeg, gif or webp).");
            return false;
        }

        error = default;
        json.WriteStartObject();
        json.WriteStartObject("image"u8);
        json.WriteString("format"u8, format);
        json.WriteStartObject("source"u8);
        json.WriteString("bytes"u8, data);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        return true;
    }

    protected override string UnsupportedPart(string? type) => type == "image_url" ? DataUrlsOnly : base.UnsupportedPart(type);

    protected override bool TryWriteToolCall(Utf8JsonWriter json, JsonElement call, JsonElement function, out CodecError error)
    {
        json.WriteStartObject();
        json.WriteStartObject("toolUse"u8);
        json.WriteString("toolUseId"u8, call.TryGetProperty("id", out var id) ? id.GetString() : null);
        json.WriteString("name"u8, function.GetProperty("name").GetString());
        json.WritePropertyName("input"u8);
        if (!OpenAIChatRequest.TryWriteCallArguments(json, function, out error))
        {
            return false;
        }

        json.WriteEndObject();
        json.WriteEndObject();
        return true;
    }

    protected override bool TryWriteToolResult(Utf8JsonWriter json, OpenAIChatRequest request, JsonElement message, out CodecError error)
    {
        error = default;
        json.WriteStartObject();
        json.WriteStartObject("toolResult"u8);
        json.WriteString("toolUseId"u8, message.TryGetProperty("tool_call_id", out var id) ? id.GetString() : null);
        json.WriteStartArray("content"u8);
        WriteTextBlock(json, ToolResultText(message));
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        return true;
    }
}
