using System.Buffers;
using System.IO.Pipelines;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;
using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>Answers chat-completions requests the way OpenAI does, streaming or not.</summary>
internal sealed class OpenAIChatSimulator : IProviderSimulator
{
    private const string EventStreamContentType = "text/event-stream; charset=utf-8";

    private readonly HoldGates _gates;

    public OpenAIChatSimulator(HoldGates gates) => _gates = gates;

    public ReadOnlyMemory<byte> MidstreamErrorEvent => OpenAIErrors.MidstreamEvent;

    public Task WriteErrorAsync(HttpContext context, int statusCode) => OpenAIErrors.WriteAsync(context, statusCode);

    public Task WriteContextLengthErrorAsync(HttpContext context) =>
        JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.ContextLengthExceeded);

    public Task GenerateAsync(HttpContext context, ReadOnlySequence<byte> body, RequestControl control, string? routeModel)
    {
        if (!OpenAIChatRequest.TryParse(body, out var request))
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.InvalidJson);
        }

        var model = routeModel ?? request.Model;
        if (string.IsNullOrEmpty(model))
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.MissingModel);
        }

        if (request.N is { } n && n is < 1 or > OpenAIErrors.MaxChoices)
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.ChoicesOutOfRange(n));
        }

        var settings = control.Generation;
        var textTokens = settings.Tokens;
        var truncated = false;
        if (request.MaxTokens is { } maxTokens)
        {
            if (maxTokens < 1)
            {
                return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.MaxTokensBelowMinimum(maxTokens));
            }

            // The limit is per choice, and a forced tool call is generated whole.
            if (maxTokens < textTokens && request.ForcedTool is null)
            {
                textTokens = maxTokens;
                truncated = true;
            }
        }

        var answer = new OpenAIAnswer(request.N ?? 1, request.ForcedTool is null ? textTokens : 0, request.ForcedTool, truncated);

        // A deterministic stand-in for a tokenizer: about four bytes of request per prompt token.
        var promptTokens = (int)Math.Max(1, body.Length / 4);
        return request.Stream
            ? StreamAsync(context, model, request.IncludeUsage, settings, answer, promptTokens, control.Faults, control.EarlyHeaders)
            : CompleteAsync(context, model, settings, answer, promptTokens, control.Faults);
    }

    /// <summary>
    /// Streams the answer one event per choice and chunk: every choice's first event (its role, or its tool call's name)
    /// at the time to first token, then round by round each choice's next chunk, one flush per round, so chunk k of
    /// every choice leaves together, as OpenAI interleaves them. Faults count rounds: 0 after the first events.
    /// </summary>
    private async Task StreamAsync(
        HttpContext context, string model, bool includeUsage, GenerationSettings settings, OpenAIAnswer answer, int promptTokens, FaultPlan? faults, bool earlyHeaders)
    {
        var cancellationToken = context.RequestAborted;
        var response = context.Response;
        var writer = response.BodyWriter;
        var encoder = new OpenAIChunkEncoder(model, includeUsage);
        var pacer = Pacer.Start(settings.TimeToFirstTokenMs, settings.InterTokenIntervalMs);
        var chunks = answer.ChunkCount(settings.ChunkSize);

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = EventStreamContentType;
        if (earlyHeaders)
        {
            // Started and flushed: Kestrel sends the headers with the first flush, not at the start alone.
            await response.StartAsync(cancellationToken);
            await writer.FlushAsync(cancellationToken);
        }

        await pacer.WaitForChunkAsync(0, cancellationToken);
        for (var choice = 0; choice < answer.Choices; choice++)
        {
            if (answer.Tool is { } tool)
            {
                encoder.WriteToolCallStart(writer, choice, tool);
            }
            else
            {
                encoder.WriteRole(writer, choice);
            }
        }

        if (!await FlushAsync(context, writer, cancellationToken)
            || (faults is not null && !await faults.ContinueAfterChunkAsync(context, 0, chunks == 0, MidstreamErrorEvent, _gates)))
        {
            return;
        }

        for (var chunk = 0; chunk < chunks; chunk++)
        {
            if (chunk > 0)
            {
                await pacer.WaitForChunkAsync(chunk, cancellationToken);
            }

            for (var choice = 0; choice < answer.Choices; choice++)
            {
                if (answer.Tool is { } tool)
                {
                    encoder.WriteToolFragment(writer, choice, tool.Fragments[chunk].Span);
                }
                else
                {
                    var first = chunk * settings.ChunkSize;
                    encoder.WriteContent(writer, choice, first, Math.Min(settings.ChunkSize, answer.TextTokens - first));
                }
            }

            if (!await FlushAsync(context, writer, cancellationToken)
                || (faults is not null && !await faults.ContinueAfterChunkAsync(context, chunk + 1, chunk + 1 == chunks, MidstreamErrorEvent, _gates)))
            {
                return;
            }
        }

        for (var choice = 0; choice < answer.Choices; choice++)
        {
            encoder.WriteFinish(writer, choice, answer.FinishReason);
        }

        if (!await FlushAsync(context, writer, cancellationToken))
        {
            return;
        }

        if (includeUsage)
        {
            encoder.WriteUsage(writer, promptTokens, answer.CompletionTokens);
            if (!await FlushAsync(context, writer, cancellationToken))
            {
                return;
            }
        }

        OpenAIChunkEncoder.WriteDone(writer);
        await FlushAsync(context, writer, cancellationToken);
    }

    private async Task CompleteAsync(
        HttpContext context, string model, GenerationSettings settings, OpenAIAnswer answer, int promptTokens, FaultPlan? faults)
    {
        if (faults is not null)
        {
            if (!await faults.ContinueBeforeBodyAsync(context, _gates))
            {
                return;
            }

            if (faults.MidstreamErrorAfter is not null)
            {
                await WriteErrorAsync(context, StatusCodes.Status500InternalServerError);
                return;
            }
        }

        // Without a stream the whole answer arrives when its last token would have.
        var pacer = Pacer.Start(settings.TimeToFirstTokenMs, settings.InterTokenIntervalMs);
        await pacer.WaitForChunkAsync(Math.Max(0, answer.ChunkCount(settings.ChunkSize) - 1), context.RequestAborted);

        var body = new ArrayBufferWriter<byte>(512 + (answer.Choices * (256 + (answer.TextTokens * 12))));
        OpenAICompletionEncoder.Write(body, model, answer, promptTokens);
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, body.WrittenMemory);
    }

    private static async ValueTask<bool> FlushAsync(HttpContext context, PipeWriter writer, CancellationToken cancellationToken) =>
        Exchange.ClientGone.CanContinue(context, await writer.FlushAsync(cancellationToken));
}
