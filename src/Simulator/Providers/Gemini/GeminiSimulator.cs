using System.Buffers;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;
using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.Gemini;

/// <summary>Answers generateContent and streamGenerateContent the way the Gemini API does.</summary>
internal sealed class GeminiSimulator : IProviderSimulator
{
    private const string SseContentType = "text/event-stream";

    private readonly HoldGates _gates;

    public GeminiSimulator(HoldGates gates) => _gates = gates;

    public ReadOnlyMemory<byte> MidstreamErrorEvent => GeminiErrors.MidstreamEvent;

    public Task WriteErrorAsync(HttpContext context, int statusCode)
    {
        var (status, message) = GeminiErrors.ForStatus(statusCode);
        return WriteErrorAsync(context, statusCode, status, message);
    }

    public Task WriteContextLengthErrorAsync(HttpContext context) =>
        WriteErrorAsync(context, StatusCodes.Status400BadRequest, "INVALID_ARGUMENT", GeminiErrors.InputTokenCountExceeded);

    /// <summary><paramref name="routeModel"/> is the model of the path; the method (streaming or not) is read from the path too.</summary>
    public Task GenerateAsync(HttpContext context, ReadOnlySequence<byte> body, RequestControl control, string? routeModel)
    {
        if (GeminiRequest.TryParse(body) is not { } request)
        {
            return WriteErrorAsync(context, StatusCodes.Status400BadRequest, "INVALID_ARGUMENT", "Invalid JSON payload received.");
        }

        var model = routeModel ?? string.Empty;
        if (request.MaxOutputTokens is < 1)
        {
            return WriteErrorAsync(
                context, StatusCodes.Status400BadRequest, "INVALID_ARGUMENT", "* GenerateContentRequest.generation_config.max_output_tokens: must be positive.");
        }

        var settings = control.Generation;
        var plan = AnswerPlan.Create(settings, request.IncludeThoughts, request.ForcedTool, request.MaxOutputTokens, body.Length);
        if (!GeminiApi.IsStreaming(context))
        {
            return CompleteAsync(context, model, settings, plan, control.Faults);
        }

        var sse = string.Equals(context.Request.Query["alt"], "sse", StringComparison.Ordinal);
        var stream = SimulatedStream.Start(
            context, settings, plan.ChunkCount(settings.ChunkSize), control.Faults, _gates, MidstreamErrorEvent,
            sse ? SseContentType : GeminiErrors.ContentType);
        return AnswerStreamer.StreamAsync(stream, plan, new GeminiChunkEncoder(model, plan, sse), settings.ChunkSize);
    }

    private async Task CompleteAsync(HttpContext context, string model, GenerationSettings settings, AnswerPlan plan, FaultPlan? faults)
    {
        if (!await SimulatedStream.BeforeCompleteAnswerAsync(context, settings, plan.ChunkCount(settings.ChunkSize), faults, _gates, WriteErrorAsync))
        {
            return;
        }

        var body = new ArrayBufferWriter<byte>(1024 + (plan.OutputTokens * 12));
        GeminiResponseEncoder.Write(body, model, plan);
        await WriteJsonAsync(context, StatusCodes.Status200OK, body.WrittenMemory);
    }

    public static Task WriteErrorAsync(HttpContext context, int statusCode, string status, string message) =>
        WriteJsonAsync(context, statusCode, GeminiErrors.Body(statusCode, status, message));

    private static async Task WriteJsonAsync(HttpContext context, int statusCode, ReadOnlyMemory<byte> body)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = GeminiErrors.ContentType;
        response.ContentLength = body.Length;
        await response.BodyWriter.WriteAsync(body, context.RequestAborted);
    }
}
