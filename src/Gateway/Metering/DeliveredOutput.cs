using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Buffers;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// The generated text relayed to the client so far (content, reasoning, refusals and tool-call arguments), kept as
/// UTF-8 in pooled memory: an aborted stream without the provider's final usage is billed for what it delivered. With a
/// progress observer, a long stream also reports what it delivered every interval (a timestamp check per chunk), so the
/// request's in-flight record can bill it should the gateway die mid-stream.
/// </summary>
internal sealed class DeliveredOutput : IDisposable
{
    private PooledBufferWriter? _text;
    private IDeliveryProgress? _progress;
    private long _progressInterval;
    private long _progressDue;
    private int _countedBytes;
    private int _countedTokens;

    /// <summary>Reports to <paramref name="progress"/> at most every <paramref name="interval"/> while output arrives.</summary>
    public void ReportProgressTo(IDeliveryProgress progress, TimeSpan interval)
    {
        _progressInterval = (long)(interval.TotalSeconds * Stopwatch.Frequency);
        _progressDue = Stopwatch.GetTimestamp() + _progressInterval;
        _progress = progress;
    }

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

        if (_progress is not null)
        {
            var now = Stopwatch.GetTimestamp();
            if (now >= _progressDue)
            {
                _progressDue = now + _progressInterval;
                _progress.OnDelivered(this);
            }
        }
    }

    /// <summary>
    /// Counts the delivered text's tokens incrementally: only what arrived since the last call is tokenized (a token
    /// split across the boundary may count twice; this is for progress estimates, <see cref="CountTokens"/> is exact).
    /// </summary>
    public int CountTokensSoFar(TokenCounter counter)
    {
        if (_text is null || _text.WrittenCount == _countedBytes)
        {
            return _countedTokens;
        }

        // Strings are appended whole, so the boundary never splits a UTF-8 sequence.
        var fresh = _text.WrittenSpan[_countedBytes..];
        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(fresh.Length));
        try
        {
            var length = Encoding.UTF8.GetChars(fresh, chars);
            _countedTokens += counter.Count(chars.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }

        _countedBytes = _text.WrittenCount;
        return _countedTokens;
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
        _progress = null;
        _text?.Dispose();
        _text = null;
    }

    // OpenAI chunks' fields, then the providers' own (Anthropic text/thinking/partial_json deltas, Gemini and Cohere text parts),
    // for streams relayed through a codec.
    private static bool IsOutputField(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("reasoning_content"u8) || reader.ValueTextEquals("reasoning"u8)
        || reader.ValueTextEquals("refusal"u8) || reader.ValueTextEquals("arguments"u8)
        || reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("thinking"u8) || reader.ValueTextEquals("partial_json"u8)
        || reader.ValueTextEquals("input"u8) // Bedrock's tool input fragments (a string only there: Anthropic's is an object)
        || reader.ValueTextEquals("delta"u8); // the Responses API's *.delta events (an object in every other format)

    private void CopyString(ref Utf8JsonReader reader)
    {
        var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        _text ??= new PooledBufferWriter(1024);
        var span = _text.GetSpan(Math.Max(1, length));
        _text.Advance(reader.CopyString(span));
    }
}
