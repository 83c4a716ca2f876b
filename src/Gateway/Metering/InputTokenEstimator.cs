using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// Estimates the input tokens of a request — chat completions, embeddings, legacy completions (<c>prompt</c>, <c>suffix</c>), Anthropic Messages (a <c>count_tokens</c> body
/// for a deployment whose provider cannot count them), OpenAI Responses (<c>/v1/responses/input_tokens</c>): the tokens of
/// every string the model reads in <c>system</c> / <c>instructions</c>, <c>messages</c> / <c>input</c> and <c>tools</c>
/// (tool schemas and tool inputs with their property names), one per token id of an embeddings input, 3 per message or
/// item and 3 to prime the reply, and a fixed share per image, audio clip or document, whose base64 data (or data URL, or
/// link) is not text. <see cref="Estimate"/> counts the strings with the o200k tokenizer; <see cref="Approximate"/>, on
/// every metered request's path, takes a token per 4 bytes of them (OpenAI's rule of thumb; o200k's for English, code and
/// CJK alike) and is about twenty times cheaper: a 2 KB prompt's exact count costs tens of microseconds.
/// </summary>
internal sealed class InputTokenEstimator(TokenCounter counter)
{
    private const int PerMessage = 3;
    private const int ReplyPriming = 3;
    private const int BytesPerToken = 4;

    /// <summary>What Anthropic charges a full-size image (about 1.15 megapixels at 750 pixels a token).</summary>
    private const int PerAttachment = 1_600;

    /// <summary>The o200k count: for the token-count endpoints, and a request billed without the provider's usage.</summary>
    public int Estimate(ReadOnlySpan<byte> body) => Walk(body, exact: true);

    /// <summary>A token per 4 bytes of text: metering's admission estimate (the provider's usage settles the request).</summary>
    public int Approximate(ReadOnlySpan<byte> body) => Walk(body, exact: false);

    private int Walk(ReadOnlySpan<byte> body, bool exact)
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
                var section = reader.ValueTextEquals("messages"u8) || reader.ValueTextEquals("input"u8) || reader.ValueTextEquals("prompt"u8) ? Section.Messages
                    : reader.ValueTextEquals("system"u8) || reader.ValueTextEquals("instructions"u8) || reader.ValueTextEquals("suffix"u8) ? Section.Text
                    : reader.ValueTextEquals("tools"u8) ? Section.Tools
                    : Section.None;
                reader.Read();
                if (section == Section.None)
                {
                    reader.Skip();
                }
                else
                {
                    total += CountValue(ref reader, section, exact);
                }
            }
        }
        catch (JsonException)
        {
            // The body was read as JSON already; a surprise here only makes the estimate smaller.
        }

        return total;
    }

    private int CountValue(ref Utf8JsonReader reader, Section section, bool exact)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return Text(ref reader, exact);
        }

        if (reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.StartObject))
        {
            return 0;
        }

        var total = 0;
        var depth = reader.CurrentDepth;

        // An embeddings input of token ids ([1, 2] or [[1, 2], [3]]): a token each. Numbers in items are not counted.
        var tokenIds = reader.TokenType == JsonTokenType.StartArray && section == Section.Messages;
        var inIdArray = false;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject when section == Section.Messages && reader.CurrentDepth == depth + 1:
                    total += PerMessage;
                    break;
                case JsonTokenType.StartArray when reader.CurrentDepth == depth + 1:
                    inIdArray = true;
                    break;
                case JsonTokenType.EndArray when reader.CurrentDepth == depth + 1:
                    inIdArray = false;
                    break;
                case JsonTokenType.Number when tokenIds && (reader.CurrentDepth == depth + 1 || (inIdArray && reader.CurrentDepth == depth + 2)):
                    total++;
                    break;
                case JsonTokenType.PropertyName when IsAttachment(ref reader) || reader.ValueTextEquals("signature"u8) || reader.ValueTextEquals("encrypted_content"u8):
                    // An image's or a document's base64 bytes (Responses: an image URL, often a data URL, or file data;
                    // chat: an image_url object, an input_audio's or a file's data) count as a share per attachment, not
                    // as characters; a thinking block's signature and an encrypted reasoning item are not read as text.
                    total += IsAttachment(ref reader) ? PerAttachment : 0;
                    reader.Read();
                    reader.Skip();
                    break;
                case JsonTokenType.PropertyName when IsStructural(ref reader):
                    break;
                case JsonTokenType.PropertyName when section == Section.Tools || reader.CurrentDepth > depth + 3:
                    // Schema and tool-input property names are read by the model; message and block field names are framing.
                    total += Text(ref reader, exact);
                    break;
                case JsonTokenType.String:
                    total += Text(ref reader, exact);
                    break;
            }
        }

        return total;
    }

    /// <summary>The tokens of the string or property name the reader is on: counted, or a token per 4 bytes.</summary>
    private int Text(ref Utf8JsonReader reader, bool exact)
    {
        if (exact)
        {
            return counter.CountString(ref reader);
        }

        var bytes = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        return (int)((bytes + BytesPerToken - 1) / BytesPerToken);
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
