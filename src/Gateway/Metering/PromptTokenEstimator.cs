using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// Estimates a chat request's prompt tokens the way OpenAI's cookbook does: the tokens of every string in
/// <c>messages</c> (roles, names, content and content parts), plus 3 per message and 3 to prime the reply.
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
                reader.Read();
                if (isMessages && reader.TokenType == JsonTokenType.StartArray)
                {
                    total += CountMessages(ref reader) + ReplyPriming;
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
