using System.Buffers;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;
using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Answers OpenAI's legacy Completions API (<c>POST /v1/completions</c>), streaming or not: the generated text for every
/// prompt and choice, cut by <c>max_tokens</c> as chat's is, after the prompt with <c>echo</c>. Paced and faulted as chat
/// streams are; a stream's events are counted by rounds, 0 once the headers (and with <c>echo</c> the prompts) are out.
/// </summary>
internal sealed class OpenAITextCompletionSimulator(HoldGates gates) : IProviderSimulator
{
    /// <summary>The smallest <c>max_tokens</c> the Completions API takes: 0 generates nothing (with <c>echo</c>, the prompt alone).</summary>
    private const int MinMaxTokens = 0;

    public ReadOnlyMemory<byte> MidstreamErrorEvent => OpenAIErrors.MidstreamEvent;

    public Task WriteErrorAsync(HttpContext context, int statusCode) => OpenAIErrors.WriteAsync(context, statusCode);

    public Task WriteContextLengthErrorAsync(HttpContext context) =>
        JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.PromptContextLengthExceeded);

    public Task GenerateAsync(HttpContext context, ReadOnlySequence<byte> body, RequestControl control, string? routeModel)
    {
        var parsed = OpenAITextCompletionRequest.TryParse(body, out var request);
        var model = routeModel ?? request.Model;
        var refusal =
            !parsed ? OpenAIErrors.InvalidJson
            : string.IsNullOrEmpty(model) ? OpenAIErrors.MissingModel
            : request.Prompt is null ? OpenAIErrors.MissingParameter("prompt")
            : request.Prompts == 0 ? OpenAIErrors.InvalidField("prompt")
            : request.N is { } n && n is < 1 or > OpenAIErrors.MaxChoices ? OpenAIErrors.ChoicesOutOfRange(n)
            : request.MaxTokens is < MinMaxTokens ? OpenAIErrors.MaxTokensBelowMinimum(request.MaxTokens.Value, MinMaxTokens)
            : default;
        if (!refusal.IsEmpty)
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, refusal);
        }

        // Prompt tokens are the prompts' own (four bytes of text or one id a token), not the body's size.
        var settings = control.Generation;
        var plan = AnswerPlan.Create(settings, thinking: false, tool: null, request.MaxTokens, promptBytes: 0) with { PromptTokens = request.PromptTokens };
        var encoder = new OpenAITextCompletionEncoder(
            model!, plan, request.Prompts, request.N ?? 1, request.Echo ? request.ReadEchoes() : null, request.IncludeUsage);
        var chunks = plan.ChunkCount(settings.ChunkSize);
        return request.Stream
            ? AnswerStreamer.StreamAsync(
                SimulatedStream.Start(context, settings, chunks, control.Faults, gates, MidstreamErrorEvent), plan, encoder, settings.ChunkSize)
            : CompleteAsync(context, settings, chunks, encoder, control.Faults);
    }

    private async Task CompleteAsync(HttpContext context, GenerationSettings settings, int chunks, OpenAITextCompletionEncoder encoder, FaultPlan? faults)
    {
        if (!await SimulatedStream.BeforeCompleteAnswerAsync(context, settings, chunks, faults, gates, WriteErrorAsync))
        {
            return;
        }

        var body = new ArrayBufferWriter<byte>(encoder.CompletionSizeHint);
        encoder.WriteCompletion(body);
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, body.WrittenMemory);
    }
}
