using System.Buffers;

namespace MassRouter.Gateway.Transforms.Sse;

/// <summary>
/// Incremental, byte-level server-sent-events reader. It accepts <c>\n</c>, <c>\r\n</c> and <c>\r</c> line ends,
/// comments, multi-line data and input split at any byte (inside a UTF-8 sequence, inside a field name, between
/// <c>\r</c> and <c>\n</c>). It never allocates per event: data is a slice of the input unless an event has
/// several data lines, which are joined in a pooled scratch buffer.
/// </summary>
public sealed class SseReader : IEventReader
{
    /// <summary>The media type of a server-sent event stream.</summary>
    public const string MediaType = "text/event-stream";

    private byte[] _scratch = [];
    private bool _skipLeadingLineFeed;

    /// <summary>
    /// Reads the next complete event at the start of <paramref name="buffer"/>. Returns false when the buffer holds no
    /// complete event yet; call again with the same bytes plus more. <paramref name="isFinalBlock"/> says no more bytes
    /// will come: a trailing event without its blank line is then returned too.
    /// </summary>
    /// <param name="buffer">Unconsumed input, starting where the previous call's <paramref name="consumed"/> ended.</param>
    /// <param name="isFinalBlock">True when the stream has ended.</param>
    /// <param name="sseEvent">The event; its spans are valid until the next call or until the buffer changes.</param>
    /// <param name="consumed">How many bytes of <paramref name="buffer"/> the event spans.</param>
    public bool TryRead(ReadOnlySpan<byte> buffer, bool isFinalBlock, out SseEvent sseEvent, out int consumed)
    {
        sseEvent = default;
        consumed = 0;
        var pos = 0;
        if (_skipLeadingLineFeed && buffer.Length > 0)
        {
            // The previous event ended with a '\r' at the very end of a read; this '\n' completes that line end.
            if (buffer[0] == (byte)'\n')
            {
                pos = 1;
            }
        }

        var sawField = false;
        ReadOnlySpan<byte> eventType = default;
        var dataStart = -1;
        var dataLength = 0;
        var dataLines = 0;

        while (true)
        {
            var rest = buffer[pos..];
            var lineEnd = rest.IndexOfAny((byte)'\r', (byte)'\n');
            int next;
            ReadOnlySpan<byte> line;
            if (lineEnd < 0)
            {
                if (!isFinalBlock || rest.IsEmpty)
                {
                    if (isFinalBlock && sawField)
                    {
                        // Stream ended right after the last line end but without the blank line.
                        return Dispatch(buffer, buffer.Length, eventType, dataStart, dataLength, dataLines, out sseEvent, out consumed, skipLf: false);
                    }

                    if (isFinalBlock && pos > 0)
                    {
                        // Only blank lines were left: hand them out as an event without data so no byte is lost.
                        return Dispatch(buffer, buffer.Length, default, -1, 0, 0, out sseEvent, out consumed, skipLf: false);
                    }

                    return false;
                }

                line = rest;
                next = buffer.Length;
            }
            else
            {
                line = rest[..lineEnd];
                var terminatorAt = pos + lineEnd;
                if (buffer[terminatorAt] == (byte)'\n')
                {
                    next = terminatorAt + 1;
                }
                else if (terminatorAt + 1 < buffer.Length)
                {
                    next = buffer[terminatorAt + 1] == (byte)'\n' ? terminatorAt + 2 : terminatorAt + 1;
                }
                else if (isFinalBlock)
                {
                    next = terminatorAt + 1;
                }
                else if (line.IsEmpty && sawField)
                {
                    // A blank line ending in '\r' at the end of the read: the event is complete, a '\n' may follow.
                    return Dispatch(buffer, terminatorAt + 1, eventType, dataStart, dataLength, dataLines, out sseEvent, out consumed, skipLf: true);
                }
                else
                {
                    return false;
                }
            }

            if (line.IsEmpty)
            {
                if (sawField)
                {
                    return Dispatch(buffer, next, eventType, dataStart, dataLength, dataLines, out sseEvent, out consumed, skipLf: false);
                }

                // Blank lines before any field dispatch nothing; they travel with the next event's raw bytes.
                pos = next;
                if (pos >= buffer.Length)
                {
                    if (isFinalBlock && pos > 0)
                    {
                        return Dispatch(buffer, buffer.Length, default, -1, 0, 0, out sseEvent, out consumed, skipLf: false);
                    }

                    return false;
                }

                continue;
            }

            sawField = true;
            var colon = line.IndexOf((byte)':');
            if (colon != 0)
            {
                var name = colon < 0 ? line : line[..colon];
                var valueOffset = colon < 0 ? line.Length : colon + 1;
                if (valueOffset < line.Length && line[valueOffset] == (byte)' ')
                {
                    valueOffset++;
                }

                var value = line[valueOffset..];
                if (name.SequenceEqual("data"u8))
                {
                    var absolute = pos + valueOffset;
                    if (dataLines == 0)
                    {
                        dataStart = absolute;
                        dataLength = value.Length;
                    }
                    else
                    {
                        AppendDataLine(buffer, ref dataStart, ref dataLength, dataLines, value);
                    }

                    dataLines++;
                }
                else if (name.SequenceEqual("event"u8))
                {
                    eventType = value;
                }
            }

            pos = next;
            if (pos >= buffer.Length && lineEnd < 0)
            {
                // Final block without a line end after the last line.
                return Dispatch(buffer, buffer.Length, eventType, dataStart, dataLength, dataLines, out sseEvent, out consumed, skipLf: false);
            }
        }
    }

    private void AppendDataLine(ReadOnlySpan<byte> buffer, ref int dataStart, ref int dataLength, int dataLines, ReadOnlySpan<byte> value)
    {
        // Multi-line data: joined into the scratch buffer; dataStart < 0 marks "lives in scratch".
        var needed = dataLength + 1 + value.Length;
        if (dataLines == 1)
        {
            EnsureScratch(needed);
            buffer.Slice(dataStart, dataLength).CopyTo(_scratch);
            dataStart = -2;
        }
        else
        {
            EnsureScratch(needed);
        }

        _scratch[dataLength] = (byte)'\n';
        value.CopyTo(_scratch.AsSpan(dataLength + 1));
        dataLength = needed;
    }

    private void EnsureScratch(int size)
    {
        if (_scratch.Length >= size)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(size, _scratch.Length * 2));
        _scratch.CopyTo(bigger, 0);
        if (_scratch.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
        }

        _scratch = bigger;
    }

    private bool Dispatch(
        ReadOnlySpan<byte> buffer,
        int end,
        ReadOnlySpan<byte> eventType,
        int dataStart,
        int dataLength,
        int dataLines,
        out SseEvent sseEvent,
        out int consumed,
        bool skipLf)
    {
        var data = dataLines switch
        {
            0 => default,
            1 => buffer.Slice(dataStart, dataLength),
            _ => _scratch.AsSpan(0, dataLength),
        };
        sseEvent = new SseEvent(buffer[..end], eventType, data, dataLines > 0);
        consumed = end;
        _skipLeadingLineFeed = skipLf;
        return true;
    }

    /// <summary>Forgets any state carried between reads, for reuse on a new stream.</summary>
    public void Reset() => _skipLeadingLineFeed = false;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_scratch.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = [];
        }
    }
}
