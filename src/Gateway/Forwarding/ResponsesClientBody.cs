using System.Buffers;
using System.IO.Pipelines;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.StoredResponses;
using MassRouter.Gateway.Telemetry;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Responses;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Sse;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// The OpenAI Responses dialect: the response body of a <c>/v1/responses</c> request while it rides the chat pipeline.
/// Chat completions become a Response object and chunk streams Responses events; errors are already OpenAI's shape and
/// go out as the pipeline wrote them. A native attempt (a provider serving the Responses API) passes its Response and
/// events through, only the gateway's own error event for a stream it had to cut written as the Responses API's; a Response
/// it stored is recorded in the <see cref="IStoredResponseIndex"/> as its owner's, held by that provider.
/// </summary>
internal sealed class ResponsesClientBody : ClientDialectBody
{
    private readonly string _responseId;
    private readonly byte[] _echo;
    private readonly ToolNamespaces _namespaces;
    private readonly long _createdAt;
    private readonly IStoredResponseIndex? _index;
    private readonly string? _owner;
    private ResponsesStreamTranslator? _translator;
    private int _nativeEvents;

    private ResponsesClientBody(HttpContext context, string model, ResponsesRequestInfo request, IStoredResponseIndex? index, string? owner)
        : base(context, model)
    {
        _index = index;
        _owner = owner;
        _echo = request.Echo;
        _namespaces = request.Namespaces;
        _responseId = "resp_" + Telemetry.UniqueId.NewHex();
        _createdAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    /// <summary>
    /// Puts the Responses dialect in front of the response body, for <paramref name="request"/>'s echo and tool
    /// namespaces; a native answer the provider stored is recorded in <paramref name="index"/> as <paramref name="owner"/>'s.
    /// </summary>
    public static ResponsesClientBody Install(HttpContext context, string model, ResponsesRequestInfo request, IStoredResponseIndex? index = null, string? owner = null)
    {
        var body = new ResponsesClientBody(context, model, request, index, owner);
        body.Install();
        return body;
    }

    public override ClientApi Api => ClientApi.Responses;

    /// <summary>The id of the Response a native attempt's provider stored (read off its first event or whole body), if any.</summary>
    public string? StoredResponseId { get; private set; }

    protected override void OnAttempt()
    {
        _translator?.Dispose();
        _translator = null;
    }

    protected override void DisposeCore() => _translator?.Dispose();

    protected override void OnEvents()
    {
        _nativeEvents = 0;
        if (!Native)
        {
            _translator = new ResponsesStreamTranslator(_responseId, Model, _echo, _createdAt, _namespaces);
        }
    }

    protected override void RelayEvent(SseEvent sseEvent, PipeWriter output)
    {
        if (Native)
        {
            RelayNative(sseEvent, output);
            return;
        }

        if (_translator is not { IsFinished: false } translator || !sseEvent.HasData)
        {
            return;
        }

        if (sseEvent.IsDone)
        {
            EndStream(output);
        }
        else if (!translator.TranslateChunk(sseEvent.Data, output))
        {
            translator.Fail(output, "server_error", "The provider sent malformed stream data.");
        }
    }

    /// <summary>A native attempt's event: the provider's own as it came; the gateway's OpenAI-style error event (a stream it cut) as the Responses API's.</summary>
    private void RelayNative(SseEvent sseEvent, PipeWriter output)
    {
        if (!sseEvent.HasData)
        {
            output.Write(sseEvent.Raw);
        }
        else if (sseEvent.IsDone)
        {
            // The end of the gateway's error: the Responses API sends no [DONE].
        }
        else if (!sseEvent.EventType.IsEmpty || !OpenAIErrorWriter.IsOpenAIError(sseEvent.Data))
        {
            if (_nativeEvents == 0)
            {
                // response.created: the Response's id, before any of it reaches the client (who may continue from it at once).
                RecordStored(sseEvent.Data, inEvent: true);
            }

            output.Write(sseEvent.Raw);
            _nativeEvents++;
        }
        else
        {
            ResponsesErrorEvent.WriteFromOpenAIError(output, sseEvent.Data, _nativeEvents++);
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
                translator.Fail(output, "server_error", "The provider's stream ended before the answer was complete.");
            }
        }
    }

    protected override void TranslateWhole(ReadOnlyMemory<byte> body, PooledBufferWriter translated)
    {
        var response = Context.Response;
        if (Native || response.StatusCode >= 400 || OpenAIErrorWriter.IsOpenAIError(body.Span))
        {
            // The provider's own Response, or the gateway's or the provider's error, already in OpenAI's shape.
            if (Native && response.StatusCode < 300)
            {
                RecordStored(body.Span, inEvent: false);
            }

            translated.Write(body.Span);
        }
        else if (!ResponsesResponseTranslator.TryTranslate(body, _responseId, Model, _echo, _createdAt, translated, _namespaces))
        {
            response.StatusCode = StatusCodes.Status502BadGateway;
            translated.Clear();
            OpenAIErrorWriter.Write(translated, "The provider returned a response that is not a chat completion.", OpenAIErrorResponse.ServerError, null, "upstream_error");
        }
    }

    /// <summary>Records the native Response <paramref name="json"/> is or carries, when the provider stored it.</summary>
    private void RecordStored(ReadOnlySpan<byte> json, bool inEvent)
    {
        if (_index is not null && Attempt is { } deployment && StoredResponseIndex.StoredId(json, inEvent) is { } id)
        {
            StoredResponseId = id;
            _index.Record(id, new StoredResponseHolder(_owner!, deployment.Provider.Name));
        }
    }
}
