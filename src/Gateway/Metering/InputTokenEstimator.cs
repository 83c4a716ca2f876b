using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// Estimates the input tokens of an Anthropic Messages request (a <c>count_tokens</c> body) for a deployment whose
/// provider cannot count them, or of an OpenAI Responses request (<c>/v1/responses/input_tokens</c>): the o200k tokens of
/// every string the model reads in <c>system</c> / <c>instructions</c>, <c>messages</c> / <c>input</c> and <c>tools</c>
/// (tool schemas and tool inputs with their property names), 3 per message or item and 3 to prime the reply, and a fixed
/// share per image or document, whose base64 data (or data URL) is not text.
/// </summary>
internal sealed class InputTokenEstimator(TokenCounter counter)
{
    private const int PerMessage = 3;
    private const int ReplyPriming = 3;

    /// <summary>What Anthropic charges a full-size image (about 1.15 megapixels at 750 pixels a token).</summary>
    private const int PerAttachment = 1_600;

    public int Estimate(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, RequestJson.ReaderOptions);
        var total = ReplyPriming;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return 0;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var section = reader.ValueTextEquals("messages"u8) || reader.ValueTextEquals("input"u8) ? Section.Messages
                    : reader.ValueTextEquals("system"u8) || reader.ValueTextEquals("instructions"u8) ? Section.Text
                    : reader.ValueTextEquals("tools"u8) ? Section.Tools
                    : Section.None;
                reader.Read();
                if (section == Section.None)
                {
                    reader.Skip();
                }
                else
                {
                    total += CountValue(ref reader, section);
                }
            }
        }
        catch (JsonException)
        {
            // The body was read as JSON already; a surprise here only makes the estimate smaller.
        }

        return total;
    }

    private int CountValue(ref Utf8JsonReader reader, Section section)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return counter.CountString(ref reader);
        }

        if (reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.StartObject))
        {
            return 0;
        }

        var total = 0;
        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject when section == Section.Messages && reader.CurrentDepth == depth + 1:
                    total += PerMessage;
                    break;
                case JsonTokenType.PropertyName when IsAttachment(ref reader) || reader.ValueTextEquals("signature"u8) || reader.ValueTextEquals("encrypted_content"u8):
                    // An image's or a document's base64 bytes (Responses: an image URL, often a data URL, or file data)
                    // count as a share per attachment, not as characters; a thinking block's signature and an encrypted
                    // reasoning item are not read as text by the model.
                    total += IsAttachment(ref reader) ? PerAttachment : 0;
                    reader.Read();
                    reader.Skip();
                    break;
                case JsonTokenType.PropertyName when IsStructural(ref reader):
                    break;
                case JsonTokenType.PropertyName when section == Section.Tools || reader.CurrentDepth > depth + 3:
                    // Schema and tool-input property names are read by the model; message and block field names are framing.
                    total += counter.CountString(ref reader);
                    break;
                case JsonTokenType.String:
                    total += counter.CountString(ref reader);
                    break;
            }
        }

        return total;
    }

    private static bool IsAttachment(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("data"u8) || reader.ValueTextEquals("image_url"u8) || reader.ValueTextEquals("file_data"u8);

    private static bool IsStructural(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("type"u8) || reader.ValueTextEquals("role"u8) || reader.ValueTextEquals("content"u8)
        || reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("cache_control"u8) || reader.ValueTextEquals("id"u8)
        || reader.ValueTextEquals("tool_use_id"u8) || reader.ValueTextEquals("media_type"u8)
        || reader.ValueTextEquals("call_id"u8) || reader.ValueTextEquals("status"u8);

    private enum Section
    {
        None,
        Text,
        Messages,
        Tools,
    }
}
