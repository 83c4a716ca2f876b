using System.Buffers;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;
using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.Anthropic;

/// <summary>Answers <c>POST /v1/messages</c> the way Anthropic does, streaming or not.</summary>
internal sealed class AnthropicMessagesSimulator : IProviderSimulator
{
    private const int Overloaded = 529;

    private readonly HoldGates _gates;

    public AnthropicMessagesSimulator(HoldGates gates) => _gates = gates;

    public ReadOnlyMemory<byte> MidstreamErrorEvent => AnthropicErrors.MidstreamEvent;

    public Task WriteErrorAsync(HttpContext context, int statusCode)
    {
        var (type, message) = AnthropicErrors.ForStatus(statusCode);
        return WriteErrorAsync(context, statusCode, type, message);
    }

    public Task WriteContextLengthErrorAsync(HttpContext context) =>
        WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request_error", AnthropicErrors.PromptTooLong);

    public Task GenerateAsync(HttpContext context, ReadOnlySequence<byte> body, RequestControl control, string? routeModel)
    {
        if (AnthropicMessagesRequest.TryParse(body) is not { } request)
        {
            return WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request_error", "The request body is not valid JSON.");
        }

        if (string.IsNullOrEmpty(request.Model))
        {
            return WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request_error", "model: Field required");
        }

        if (request.MaxTokens is not { } maxTokens)
        {
            return WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request_error", "max_tokens: Field required");
        }

        if (maxTokens < 1)
        {
            return WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request_error", "max_tokens: Input should be greater than or equal to 1");
        }

        var settings = control.Generation;
        var plan = AnswerPlan.Create(settings, request.Thinking, request.ForcedTool, maxTokens, body.Length);
        return request.Stream
            ? AnswerStreamer.StreamAsync(
                SimulatedStream.Start(context, settings, plan.ChunkCount(settings.ChunkSize), control.Faults, _gates, MidstreamErrorEvent),
                plan,
                new AnthropicEventEncoder(request.Model, plan),
                settings.ChunkSize)
            : CompleteAsync(context, request.Model, settings, plan, control.Faults);
    }

    private async Task CompleteAsync(HttpContext context, string model, GenerationSettings settings, AnswerPlan plan, FaultPlan? faults)
    {
        if (!await SimulatedStream.BeforeCompleteAnswerAsync(context, settings, plan.ChunkCount(settings.ChunkSize), faults, _gates, WriteErrorAsync))
        {
            return;
        }

        var body = new ArrayBufferWriter<byte>(512 + (plan.OutputTokens * 12));
        AnthropicMessageEncoder.Write(body, model, plan);
        context.Response.Headers["request-id"] = AnthropicWire.NewRequestId();
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, body.WrittenMemory);
    }

    internal static Task WriteErrorAsync(HttpContext context, int statusCode, string type, string message)
    {
        var requestId = AnthropicWire.NewRequestId();
        var headers = context.Response.Headers;
        headers["request-id"] = requestId;
        if (statusCode is StatusCodes.Status429TooManyRequests or Overloaded)
        {
            headers.RetryAfter = "1";
        }

        return JsonResponse.WriteAsync(context, statusCode, AnthropicErrors.Body(type, message, requestId));
    }
}
