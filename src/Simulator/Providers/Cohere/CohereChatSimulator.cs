using System.Buffers;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;
using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.Cohere;

/// <summary>Answers <c>POST /v2/chat</c> the way Cohere does, streaming or not.</summary>
internal sealed class CohereChatSimulator : IProviderSimulator
{
    private readonly HoldGates _gates;

    public CohereChatSimulator(HoldGates gates) => _gates = gates;

    public ReadOnlyMemory<byte> MidstreamErrorEvent => CohereErrors.MidstreamEvent;

    public Task WriteErrorAsync(HttpContext context, int statusCode) => WriteErrorAsync(context, statusCode, CohereErrors.ForStatus(statusCode));

    public Task WriteContextLengthErrorAsync(HttpContext context) => WriteErrorAsync(context, StatusCodes.Status400BadRequest, CohereErrors.TooManyTokens);

    public Task GenerateAsync(HttpContext context, ReadOnlySequence<byte> body, RequestControl control, string? routeModel)
    {
        if (CohereChatRequest.TryParse(body) is not { } request)
        {
            return WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid request: the body is not valid JSON.");
        }

        if (string.IsNullOrEmpty(request.Model))
        {
            return WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid request: model must be specified.");
        }

        if (request.MaxTokens is < 1)
        {
            return WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid request: max_tokens must be at least 1.");
        }

        var settings = control.Generation;
        var plan = AnswerPlan.Create(settings, request.Thinking, request.ForcedTool, request.MaxTokens, body.Length);
        return request.Stream
            ? AnswerStreamer.StreamAsync(
                SimulatedStream.Start(context, settings, plan.ChunkCount(settings.ChunkSize), control.Faults, _gates, MidstreamErrorEvent),
                plan,
                new CohereEventEncoder(plan),
                settings.ChunkSize)
            : CompleteAsync(context, settings, plan, control.Faults);
    }

    private async Task CompleteAsync(HttpContext context, GenerationSettings settings, AnswerPlan plan, FaultPlan? faults)
    {
        if (!await SimulatedStream.BeforeCompleteAnswerAsync(context, settings, plan.ChunkCount(settings.ChunkSize), faults, _gates, WriteErrorAsync))
        {
            return;
        }

        var body = new ArrayBufferWriter<byte>(512 + (plan.OutputTokens * 12));
        CohereResponseEncoder.Write(body, plan);
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, body.WrittenMemory);
    }

    private static Task WriteErrorAsync(HttpContext context, int statusCode, string message)
    {
        if (statusCode == StatusCodes.Status429TooManyRequests)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        return JsonResponse.WriteAsync(context, statusCode, CohereErrors.Body(message));
    }
}
