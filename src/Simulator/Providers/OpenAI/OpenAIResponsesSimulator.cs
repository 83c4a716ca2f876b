using System.Buffers;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;
using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>Answers <c>POST /v1/responses</c>, OpenAI's Responses API, the way OpenAI does, streaming or not.</summary>
internal sealed class OpenAIResponsesSimulator : IProviderSimulator
{
    private readonly HoldGates _gates;

    public OpenAIResponsesSimulator(HoldGates gates) => _gates = gates;

    public ReadOnlyMemory<byte> MidstreamErrorEvent => OpenAIErrors.ResponsesMidstreamEvent;

    public Task WriteErrorAsync(HttpContext context, int statusCode) => OpenAIErrors.WriteAsync(context, statusCode);

    public Task GenerateAsync(HttpContext context, ReadOnlySequence<byte> body, RequestControl control, string? routeModel)
    {
        if (!OpenAIResponsesRequest.TryParse(body, out var request))
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.InvalidJson);
        }

        var model = routeModel ?? request.Model;
        if (string.IsNullOrEmpty(model))
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.MissingModel);
        }

        if (request.MaxOutputTokens is { } limit && limit < OpenAIErrors.MinOutputTokens)
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.MaxOutputTokensBelowMinimum(limit));
        }

        // The limit cuts text only: a forced call is generated whole, as for chat.
        var settings = control.Generation;
        var plan = AnswerPlan.Create(settings, thinking: false, request.ForcedTool, request.MaxOutputTokens, body.Length);
        var response = new OpenAIResponseEncoder(model, request.MaxOutputTokens, plan);
        return request.Stream
            ? AnswerStreamer.StreamAsync(
                SimulatedStream.Start(context, settings, plan.ChunkCount(settings.ChunkSize), control.Faults, _gates, MidstreamErrorEvent),
                plan,
                new OpenAIResponsesEventEncoder(response),
                settings.ChunkSize)
            : CompleteAsync(context, settings, response, control.Faults);
    }

    private async Task CompleteAsync(HttpContext context, GenerationSettings settings, OpenAIResponseEncoder response, FaultPlan? faults)
    {
        var plan = response.Plan;
        if (!await SimulatedStream.BeforeCompleteAnswerAsync(context, settings, plan.ChunkCount(settings.ChunkSize), faults, _gates, WriteErrorAsync))
        {
            return;
        }

        var body = new ArrayBufferWriter<byte>(1024 + (plan.TextTokens * 12) + (plan.Tool?.Arguments.Length * 2 ?? 0));
        response.WriteResponse(body, finished: true);
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, body.WrittenMemory);
    }
}
