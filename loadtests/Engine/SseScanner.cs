namespace MassRouter.LoadTests.Engine;

/// <summary>
/// Splits a server-sent-event body into lines over raw bytes and keeps the timing the board needs: the first content frame,
/// the gaps between content frames, <c>[DONE]</c> and error frames. A frame is timed when the read that completes it returns.
/// </summary>
internal sealed class SseScanner
{
    private byte[] _carry = new byte[4096];
    private int _carryLength;

    public int Frames { get; private set; }

    public int ContentFrames { get; private set; }

    public bool Done { get; private set; }

    public bool ErrorFrame { get; private set; }

    public long FirstContent { get; private set; }

    public long LastContent { get; private set; }

    public long MaxGap { get; private set; }

    public void Reset()
    {
        _carryLength = 0;
        Frames = 0;
        ContentFrames = 0;
        Done = false;
        ErrorFrame = false;
        FirstContent = 0;
        LastContent = 0;
        MaxGap = 0;
    }

    /// <summary>Consumes one read; gaps between content frames go to <paramref name="gaps"/> when not null.</summary>
    public void Feed(ReadOnlySpan<byte> data, long now, HdrHistogram.LongHistogram? gaps)
    {
        while (!data.IsEmpty)
        {
            var newline = data.IndexOf((byte)'\n');
            if (newline < 0)
            {
                Append(data);
                return;
            }

            if (_carryLength == 0)
            {
                OnLine(data[..newline], now, gaps);
            }
            else
            {
                Append(data[..newline]);
                OnLine(_carry.AsSpan(0, _carryLength), now, gaps);
                _carryLength = 0;
            }

            data = data[(newline + 1)..];
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_carryLength + data.Length > _carry.Length)
        {
            Array.Resize(ref _carry, Math.Max(_carry.Length * 2, _carryLength + data.Length));
        }

        data.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength += data.Length;
    }

    private void OnLine(ReadOnlySpan<byte> line, long now, HdrHistogram.LongHistogram? gaps)
    {
        if (!line.StartsWith("data:"u8))
        {
            return;
        }

        var payload = line[5..].Trim((byte)' ').TrimEnd((byte)'\r');
        Frames++;
        if (payload.SequenceEqual("[DONE]"u8))
        {
            Done = true;
            return;
        }

        if (payload.StartsWith("{\"error\""u8) || payload.StartsWith("{\"type\":\"error\""u8)
            || payload.StartsWith("{\"type\":\"response.failed\""u8))
        {
            ErrorFrame = true;
            return;
        }

        // OpenAI Responses streams end with response.completed (or response.incomplete) and carry text in output_text deltas.
        if (payload.StartsWith("{\"type\":\"response."u8))
        {
            if (payload.StartsWith("{\"type\":\"response.completed\""u8) || payload.StartsWith("{\"type\":\"response.incomplete\""u8))
            {
                Done = true;
                return;
            }

            if (!payload.StartsWith("{\"type\":\"response.output_text.delta\""u8))
            {
                return;
            }
        }
        else if (payload.IndexOf("\"type\":\"message_stop\""u8) >= 0)
        {
            // Anthropic Messages streams (the translation lane) end with message_stop and carry text in content_block_delta.
            Done = true;
            return;
        }
        else if (payload.IndexOf("\"type\":\"content_block_delta\""u8) < 0)
        {
            // An OpenAI content delta carries "content":"<non-empty>"; the role chunk's content is "" and the finish chunk has none.
            var at = payload.IndexOf("\"content\":\""u8);
            if (at < 0 || at + 11 >= payload.Length || payload[at + 11] == (byte)'"')
            {
                return;
            }
        }

        ContentFrames++;
        if (FirstContent == 0)
        {
            FirstContent = now;
        }
        else
        {
            var gap = now - LastContent;
            MaxGap = Math.Max(MaxGap, gap);
            if (gaps is not null)
            {
                Stats.Record(gaps, Clock.Microseconds(gap));
            }
        }

        LastContent = now;
    }
}
