using System.Text.Json;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Gemini;

/// <summary>Writes OpenAI messages as Gemini <c>contents</c>: user and model turns of parts.</summary>
internal sealed class GeminiTurnWriter : ChatTurnWriter
{
    public static readonly GeminiTurnWriter Instance = new();

    private const string DataUrlsOnly = "Gemini models take images as data URLs (data:image/...;base64,...) here; the Gemini API cannot fetch arbitrary http URLs.";

    private GeminiTurnWriter()
    {
    }

    protected override string Provider => "Gemini";

    protected override ReadOnlySpan<byte> AssistantRole => "model"u8;

    protected override ReadOnlySpan<byte> PartsProperty => "parts"u8;

    /// <summary>Writes a text part, the shape <c>systemInstruction</c> parts take too.</summary>
    public static void WriteTextPart(Utf8JsonWriter json, string? text)
    {
        json.WriteStartObject();
        json.WriteString("text"u8, text);
        json.WriteEndObject();
    }

    protected override void WriteText(Utf8JsonWriter json, string? text) => WriteTextPart(json, text);

    protected override bool TryWriteImage(Utf8JsonWriter json, string url, out CodecError error)
    {
        if (!OpenAIChatRequest.TryParseDataUrl(url, out var mediaType, out var data))
        {
            error = OpenAIChatRequest.Invalid("messages", DataUrlsOnly);
            return false;
        }

        error = default;
        json.WriteStartObject();
        json.WriteStartObject("inlineData"u8);
        json.WriteString("mimeType"u8, mediaType);
        json.WriteString("data"u8, data);
        json.WriteEndObject();
        json.WriteEndObject();
        return true;
    }

    protected override string UnsupportedPart(string? type) => type == "image_url" ? DataUrlsOnly : base.UnsupportedPart(type);

    protected override bool TryWriteToolCall(Utf8JsonWriter json, JsonElement call, JsonElement function, out CodecError error)
    {
        json.WriteStartObject();
        json.WriteStartObject("functionCall"u8);
        json.WriteString("name"u8, function.GetProperty("name").GetString());
        json.WritePropertyName("args"u8);
        if (!OpenAIChatRequest.TryWriteCallArguments(json, function, out error))
        {
            return false;
        }

        json.WriteEndObject();
        if (GeminiThoughtSignatures.FromCallId(call.TryGetProperty("id", out var id) ? id.GetString() : null) is { } signature)
        {
            json.WriteString("thoughtSignature"u8, signature);
        }

        json.WriteEndObject();
        return true;
    }

    protected override bool TryWriteToolResult(Utf8JsonWriter json, OpenAIChatRequest request, JsonElement message, out CodecError error)
    {
        var callId = message.TryGetProperty("tool_call_id", out var id) ? id.GetString() : null;
        var name = request.ToolCallName(callId);
        if (name is null)
        {
            error = OpenAIChatRequest.Invalid("messages", $"The tool message for call '{callId}' has no matching assistant tool call; Gemini needs the function name.");
            return false;
        }

        error = default;
        json.WriteStartObject();
        json.WriteStartObject("functionResponse"u8);
        json.WriteString("name"u8, name);
        json.WriteStartObject("response"u8);
        json.WriteString("result"u8, ToolResultText(message));
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        return true;
    }
}
