using System.Buffers;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;
using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Answers <c>POST /v1/responses/compact</c>, the Responses API's compaction (Codex's remote compaction calls it): one JSON
/// <c>response.compaction</c> object, never a stream, whose output is one opaque <c>compaction</c> item and whose usage
/// counts the request's input and the configured tokens as output. No recorded traffic exists: the shape follows OpenAI's
/// API reference (id, object, created_at, output, usage). A <c>previous_response_id</c> must name a response the store
/// holds, as for <c>/v1/responses</c>.
/// </summary>
internal sealed class OpenAICompactionSimulator(HoldGates gates, OpenAIResponseStore store) : IProviderSimulator
{
    /// <summary>Compaction does not stream; a mid-stream fault turns into a 500 before the body.</summary>
    public ReadOnlyMemory<byte> MidstreamErrorEvent => OpenAIErrors.ResponsesMidstreamEvent;

    public Task WriteErrorAsync(HttpContext context, int statusCode) => OpenAIErrors.WriteAsync(context, statusCode);

    public Task WriteContextLengthErrorAsync(HttpContext context) =>
        JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.ContextWindowExceeded);

    public async Task GenerateAsync(HttpContext context, ReadOnlySequence<byte> body, RequestControl control, string? routeModel)
    {
        if (RequestFields.ReadObject(body, root => new CompactionRequest(RequestFields.String(root, "model") ?? "", RequestFields.String(root, "previous_response_id")))
            is not var (model, previous))
        {
            await JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.InvalidJson);
            return;
        }

        if (model.Length == 0)
        {
            await JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.MissingModel);
            return;
        }

        if (previous is not null && store.Find(previous) is null)
        {
            await JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.PreviousResponseNotFound(previous));
            return;
        }

        var settings = control.Generation;
        if (!await SimulatedStream.BeforeCompleteAnswerAsync(context, settings, 1, control.Faults, gates, WriteErrorAsync))
        {
            return;
        }

        var input = (int)Math.Max(1, body.Length / 4);
        var answer = new ArrayBufferWriter<byte>(512);
        answer.Write("{\"id\":\""u8);
        OpenAIResponseEncoder.WriteId(answer, "resp_"u8);
        answer.Write("\",\"object\":\"response.compaction\",\"created_at\":"u8);
        OpenAIWire.WriteNumber(answer, OpenAIWire.Now());
        answer.Write(",\"output\":[{\"id\":\""u8);
        OpenAIResponseEncoder.WriteId(answer, "cmp_"u8);
        answer.Write("\",\"type\":\"compaction\",\"encrypted_content\":\"gAAAAA-simulated-compaction\"}],\"usage\":{\"input_tokens\":"u8);
        OpenAIWire.WriteNumber(answer, input);
        answer.Write(",\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":"u8);
        OpenAIWire.WriteNumber(answer, settings.Tokens);
        answer.Write(",\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":"u8);
        OpenAIWire.WriteNumber(answer, input + settings.Tokens);
        answer.Write("}}"u8);
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, answer.WrittenMemory);
    }

    private sealed record CompactionRequest(string Model, string? PreviousResponseId);
}
