using System.Buffers;
using System.IO.Pipelines;
using MassRouter.Gateway.Telemetry;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Sse;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// The Anthropic client dialect: the response body of a <c>/v1/messages</c> request while it rides the chat pipeline,
/// chunks, completions and the gateway's OpenAI-shaped errors written in Anthropic's shape. A native attempt (an
/// Anthropic-kind deployment) passes Anthropic's events through, only the gateway's own OpenAI-shaped errors translated.
/// </summary>
internal sealed class AnthropicClientBody : ClientDialectBody
{
    private AnthropicStreamTranslator? _translator;

    private AnthropicClientBody(HttpContext context, string model)
        : base(context, model)
    {
    }

    /// <summary>Puts the Anthropic dialect in front of the response body; <paramref name="requestId"/> goes out as Anthropic's <c>request-id</c>.</summary>
    public static AnthropicClientBody Install(HttpContext context, string model, string requestId)
    {
        var body = new AnthropicClientBody(context, model);
        body.Install();

        // Registered once: survives the header resets between attempts. Anthropic's SDKs report it with every error.
        context.Response.OnStarting(static state =>
        {
            var (response, id) = ((HttpResponse, string))state;
            response.Headers[MessagesHandler.AnthropicRequestIdHeader] = id;
            return Task.CompletedTask;
        }, (context.Response, requestId));
        return body;
    }

    public override ClientApi Api => ClientApi.Messages;

    /// <summary>Anthropic's own keep-alive, which its SDKs expect between events (its API sends them itself).</summary>
    protected override ReadOnlyMemory<byte> KeepAlive => Ping;

    private static readonly ReadOnlyMemory<byte> Ping = "event: ping\ndata: {\"type\": \"ping\"}\n\n"u8.ToArray();

    protected override void OnAttempt() => _translator = null;

    protected override void OnEvents()
    {
        if (!Native)
        {
            _translator = new AnthropicStreamTranslator(Model);
        }
    }

    protected override void RelayEvent(SseEvent sseEvent, PipeWriter output)
    {
        if (_translator is { } translator)
        {
            Translate(translator, sseEvent, output);
        }
        else if (!sseEvent.EventType.IsEmpty || !sseEvent.HasData)
        {
            // Anthropic's own event, from a native attempt.
            output.Write(sseEvent.Raw);
        }
        else if (!sseEvent.IsDone)
        {
            // The gateway's OpenAI-style error event (a native stream cut short): Anthropic's error event instead.
            output.Write("event: error\ndata: "u8);
            AnthropicErrorWriter.TranslateOpenAIError(StatusCodes.Status500InternalServerError, sseEvent.Data, output);
            output.Write("\n\n"u8);
        }
    }

    protected override void EndStream(PipeWriter output)
    {
        if (_translator is { IsFinished: false } translator)
        {
            if (translator.SawFinish)
            {
                translator.Complete(output);
            }
            else
            {
                translator.Fail(output, "api_error", "The provider's stream ended before the answer was complete.");
            }
        }
    }

    protected override void TranslateWhole(ReadOnlyMemory<byte> body, PooledBufferWriter translated)
    {
        var response = Context.Response;
        var status = response.StatusCode;
        if (Native && (status < 400 || AnthropicErrorWriter.IsAnthropicError(body.Span)))
        {
            // The provider's own message or error.
            translated.Write(body.Span);
        }
        else if (status >= 400 || OpenAIErrorWriter.IsOpenAIError(body.Span))
        {
            AnthropicErrorWriter.TranslateOpenAIError(status, body.Span, translated);
        }
        else if (!AnthropicResponseTranslator.TryTranslate(body, Model, translated, out _))
        {
            response.StatusCode = StatusCodes.Status502BadGateway;
            AnthropicErrorWriter.Write(translated, "api_error", "The provider returned a response that is not a chat completion.");
        }
    }

    private static void Translate(AnthropicStreamTranslator translator, SseEvent sseEvent, PipeWriter output)
    {
        if (translator.IsFinished || !sseEvent.HasData)
        {
            return;
        }

        if (sseEvent.IsDone)
        {
            translator.Complete(output);
        }
        else if (!translator.TranslateChunk(sseEvent.Data, output))
        {
            translator.Fail(output, "api_error", "The provider sent malformed stream data.");
        }
    }
}
