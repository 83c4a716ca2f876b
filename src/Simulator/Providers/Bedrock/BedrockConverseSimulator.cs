using System.Buffers;
using System.Diagnostics;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;
using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.Bedrock;

/// <summary>Answers <c>POST /model/{modelId}/converse</c> and <c>/converse-stream</c> the way Amazon Bedrock does.</summary>
internal sealed class BedrockConverseSimulator : IProviderSimulator
{
    private readonly HoldGates _gates;

    public BedrockConverseSimulator(HoldGates gates) => _gates = gates;

    public ReadOnlyMemory<byte> MidstreamErrorEvent => BedrockErrors.MidstreamException;

    public Task WriteErrorAsync(HttpContext context, int statusCode)
    {
        var (exception, message) = BedrockErrors.ForStatus(statusCode);
        return BedrockErrors.WriteAsync(context, statusCode, exception, message);
    }

    public Task WriteContextLengthErrorAsync(HttpContext context) => Invalid(context, BedrockErrors.InputTooLong);

    /// <summary><paramref name="routeModel"/> is the model id of the path; the operation (streaming or not) is read from the path too.</summary>
    public Task GenerateAsync(HttpContext context, ReadOnlySequence<byte> body, RequestControl control, string? routeModel)
    {
        var started = Stopwatch.GetTimestamp();
        if (BedrockConverseRequest.TryParse(body) is not { } request)
        {
            return Invalid(context, "Malformed input request, please reformat your input and try again.");
        }

        if (!request.HasMessages)
        {
            return Invalid(context, "A conversation must start with a user message. Try again with a conversation that starts with a user message.");
        }

        if (request.MaxTokens is { } maxTokens and < 1)
        {
            return Invalid(
                context,
                $"1 validation error detected: Value '{maxTokens}' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1");
        }

        var settings = control.Generation;
        var plan = AnswerPlan.Create(settings, request.Thinking, request.ForcedTool, request.MaxTokens, body.Length);
        if (!BedrockApi.IsStreaming(context))
        {
            return CompleteAsync(context, settings, plan, control.Faults, started);
        }

        var stream = SimulatedStream.Start(
            context, settings, plan.ChunkCount(settings.ChunkSize), control.Faults, _gates, MidstreamErrorEvent, AwsEventStream.ContentType);
        return AnswerStreamer.StreamAsync(stream, plan, new BedrockEventEncoder(plan, started), settings.ChunkSize);
    }

    private async Task CompleteAsync(HttpContext context, GenerationSettings settings, AnswerPlan plan, FaultPlan? faults, long started)
    {
        if (!await SimulatedStream.BeforeCompleteAnswerAsync(context, settings, plan.ChunkCount(settings.ChunkSize), faults, _gates, WriteErrorAsync))
        {
            return;
        }

        var body = new ArrayBufferWriter<byte>(512 + (plan.OutputTokens * 12));
        BedrockResponseEncoder.Write(body, plan, started);
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, body.WrittenMemory);
    }

    private static Task Invalid(HttpContext context, string message) =>
        BedrockErrors.WriteAsync(context, StatusCodes.Status400BadRequest, BedrockErrors.ValidationException, message);
}
