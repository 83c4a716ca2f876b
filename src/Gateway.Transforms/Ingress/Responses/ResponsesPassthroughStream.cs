using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Ingress.Responses;

/// <summary>
/// An OpenAI Responses event stream relayed event by event as received, usage read off its terminal event
/// (<c>response.completed</c>, <c>response.incomplete</c> or <c>response.failed</c>), generated output marked on the
/// <c>*.delta</c> events.
/// </summary>
internal sealed class ResponsesPassthroughStream : IChatStreamTranslator
{
    private TokenUsage _usage;
    private int _events;

    public TokenUsage Usage => _usage;

    public bool IsFinished { get; private set; }

    public string? Failure { get; private set; }

    public bool Translate(in SseEvent sseEvent, IBufferWriter<byte> output)
    {
        if (IsFinished)
        {
            return false;
        }

        output.Write(sseEvent.Raw);
        if (!sseEvent.HasData)
        {
            return false;
        }

        _events++;
        var type = sseEvent.EventType.IsEmpty ? TypeOf(sseEvent.Data) : sseEvent.EventType;
        if (type.EndsWith(".delta"u8))
        {
            return true;
        }

        if (type.SequenceEqual("response.completed"u8) || type.SequenceEqual("response.incomplete"u8))
        {
            IsFinished = true;
            ResponsesUsageReader.ReadEvent(sseEvent.Data, ref _usage);
        }
        else if (type.SequenceEqual("response.failed"u8))
        {
            IsFinished = true;
            Failure = "provider reported response.failed";
            ResponsesUsageReader.ReadEvent(sseEvent.Data, ref _usage);
        }
        else if (type.SequenceEqual("error"u8))
        {
            IsFinished = true;
            Failure = "provider error event";
        }

        return false;
    }

    public void Complete(IBufferWriter<byte> output)
    {
        if (IsFinished)
        {
            return;
        }

        // The connection ended cleanly but the response never did: say so rather than leave the client waiting.
        Failure = "stream ended before response.completed";
        ResponsesErrorEvent.Write(output, "server_error", "The provider's stream ended before the answer was complete.", _events);
        IsFinished = true;
    }

    public void Dispose()
    {
    }

    /// <summary>The <c>type</c> of an event sent without an <c>event:</c> line (OpenAI writes it first; found wherever it is).</summary>
    private static ReadOnlySpan<byte> TypeOf(ReadOnlySpan<byte> data)
    {
        try
        {
            var reader = new Utf8JsonReader(data);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return default;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("type"u8);
                reader.Read();
                if (isType && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && !reader.HasValueSequence)
                {
                    var start = (int)reader.TokenStartIndex + 1;
                    return data.Slice(start, reader.ValueSpan.Length);
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return default;
    }
}
