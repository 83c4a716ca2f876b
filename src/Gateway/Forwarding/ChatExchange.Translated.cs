using System.Diagnostics;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Sse;

namespace MassRouter.Gateway.Forwarding;

/// <summary>The relay for providers with their own wire format: every response is translated back to OpenAI's.</summary>
internal sealed partial class ChatExchange
{
    private IChatStreamTranslator? _translator;

    private async Task RelayTranslatedAsync(HttpContext context, HttpResponseMessage proxyResponse, Stream body, int status, IChatCodec codec)
    {
        // Like OpenAI's own answers (passed through as sent), translated ones name the upstream model, not the public id.
        var translation = new TranslationContext(_deployment.UpstreamModel, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), IncludeUsage: !_stripUsageChunk);
        if (status >= 400)
        {
            await RelayTranslatedErrorAsync(context, body, status, codec);
        }
        else if (_stream && IsEventStream(proxyResponse.Content.Headers.ContentType, codec.StreamMediaType))
        {
            using var translator = codec.CreateStreamTranslator(translation);
            _translator = translator;

            // The client gets OpenAI's server-sent events whatever framing the provider streamed in (Bedrock's is binary).
            context.Response.ContentType = "text/event-stream; charset=utf-8";
            await RelayStreamAsync(context, body);
            _usage = translator.Usage;
            if (translator.Failure is { } failure)
            {
                EndedWithError = true;
                _logger.LogWarning("Stream from provider {Provider} ended with an error event: {Failure}", _deployment.Provider.Name, failure);
            }
        }
        else
        {
            await RelayTranslatedJsonAsync(context, body, codec, translation);
        }
    }

    private async Task RelayTranslatedErrorAsync(HttpContext context, Stream body, int status, IChatCodec codec)
    {
        using var buffer = new PooledBufferWriter(4096);
        if (!await ReadToEndAsync(context, body, buffer, MaxErrorBodyBytes))
        {
            return;
        }

        using var error = new PooledBufferWriter(1024);
        var response = context.Response;
        response.StatusCode = codec.TranslateError(status, buffer.WrittenSpan, error);
        response.ContentType = "application/json";
        response.ContentLength = error.WrittenCount;
        await response.Body.WriteAsync(error.WrittenMemory, context.RequestAborted);
    }

    private async Task RelayTranslatedJsonAsync(HttpContext context, Stream body, IChatCodec codec, TranslationContext translation)
    {
        using var buffer = new PooledBufferWriter(16 * 1024);
        if (!await ReadToEndAsync(context, body, buffer, int.MaxValue))
        {
            return;
        }

        using var translated = new PooledBufferWriter(buffer.WrittenCount + 512);
        var response = context.Response;
        response.ContentType = "application/json";
        if (!codec.TryTranslateResponse(buffer.WrittenSpan, translation, translated, out _usage))
        {
            _logger.LogWarning("The response of provider {Provider} could not be translated ({Bytes} bytes)", _deployment.Provider.Name, buffer.WrittenCount);
            response.StatusCode = StatusCodes.Status502BadGateway;
            OpenAIErrorWriter.Write(translated, "The provider's response could not be read.", "server_error", null, "upstream_malformed");
        }

        FirstOutputTimestamp = Stopwatch.GetTimestamp();
        response.ContentLength = translated.WrittenCount;
        await response.Body.WriteAsync(translated.WrittenMemory, context.RequestAborted);
    }

    /// <summary>Translates every complete event in the buffer (and finishes the stream at the end); true when anything may have been written.</summary>
    private bool TranslateEvents(IChatStreamTranslator translator, IEventReader reader, byte[] buffer, ref int start, int end, bool final, System.IO.Pipelines.PipeWriter writer)
    {
        var read = final;
        while (start < end && reader.TryRead(buffer.AsSpan(start, end - start), final, out var sseEvent, out var consumed))
        {
            start += consumed;
            read = true;
            if (translator.Translate(sseEvent, writer))
            {
                MarkOutput();
                Output?.Append(sseEvent.Data);
            }
        }

        if (final)
        {
            translator.Complete(writer);
        }

        return read;
    }
}
