using System.Buffers;
using System.Text;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Buffers;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// The generated text relayed to the client so far (content, reasoning, refusals and tool-call arguments), kept as
/// UTF-8 in pooled memory: an aborted stream without the provider's final usage is billed for what it delivered.
/// </summary>
internal sealed class DeliveredOutput : IDisposable
{
    private PooledBufferWriter? _text;

    /// <summary>Appends the output carried by one OpenAI chunk (or one provider event of a translated stream).</summary>
    public void Append(ReadOnlySpan<byte> chunkJson)
    {
        var reader = new Utf8JsonReader(chunkJson);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && IsOutputField(ref reader))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        CopyString(ref reader);
                    }
                }
            }
        }
        catch (JsonException)
        {
            // A malformed chunk delivers nothing countable.
        }
    }

    /// <summary>Counts the delivered text's tokens.</summary>
    public int CountTokens(TokenCounter counter)
    {
        if (_text is null || _text.WrittenCount == 0)
        {
            return 0;
        }

        return counter.Count(Encoding.UTF8.GetString(_text.WrittenSpan));
    }

    public void Dispose()
    {
        _text?.Dispose();
        _text = null;
    }

    // OpenAI chunks' fields, then the providers' own (Anthropic text/thinking/partial_json deltas, Gemini and Cohere text parts),
    // for streams relayed through a codec.
    private static bool IsOutputField(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("reasoning_content"u8) || reader.ValueTextEquals("reasoning"u8)
        || reader.ValueTextEquals("refusal"u8) || reader.ValueTextEquals("arguments"u8)
        || reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("thinking"u8) || reader.ValueTextEquals("partial_json"u8);

    private void CopyString(ref Utf8JsonReader reader)
    {
        var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        _text ??= new PooledBufferWriter(1024);
        var span = _text.GetSpan(Math.Max(1, length));
        _text.Advance(reader.CopyString(span));
    }
}
