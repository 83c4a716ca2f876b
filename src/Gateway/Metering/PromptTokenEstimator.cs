using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// Estimates a chat request's prompt tokens the way OpenAI's cookbook does: the tokens of every string in
/// <c>messages</c> (roles, names, content and content parts), plus 3 per message and 3 to prime the reply. An embeddings
/// request's are those of its <c>input</c>: the tokens of its strings, one per token id it gives.
/// </summary>
internal sealed class PromptTokenEstimator(TokenCounter counter)
{
    private const int PerMessage = 3;
    private const int ReplyPriming = 3;

    public int Estimate(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, RequestJson.ReaderOptions);
        var total = 0;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return 0;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMessages = reader.ValueTextEquals("messages"u8);
                var isInput = !isMessages && reader.ValueTextEquals("input"u8);
                reader.Read();
                if (isMessages && reader.TokenType == JsonTokenType.StartArray)
                {
                    total += CountMessages(ref reader) + ReplyPriming;
                }
                else if (isInput)
                {
                    total += CountInput(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // The parser already accepted the body; a surprise here only makes the estimate smaller.
        }

        return total;
    }

    private int CountInput(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return counter.CountString(ref reader);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return 0;
        }

        var total = 0;
        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            total += reader.TokenType switch
            {
                JsonTokenType.String => counter.CountString(ref reader),
                JsonTokenType.Number => 1,
                _ => 0,
            };
        }

        return total;
    }

    private int CountMessages(ref Utf8JsonReader reader)
    {
        var total = 0;
        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.StartObject && reader.CurrentDepth == depth + 1)
            {
                total += PerMessage;
            }
            else if (reader.TokenType == JsonTokenType.String)
            {
                total += counter.CountString(ref reader);
            }
        }

        return total;
    }
}
