using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Http.Headers;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Telemetry;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Usage;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// One <c>/v1/messages</c> exchange with a provider. For an OpenAI-kind provider the (already translated) request goes to
/// its chat-completions URL and the answer is translated back into an Anthropic message or event stream, chunk by chunk;
/// for an Anthropic-kind provider request and answer pass through unchanged.
/// </summary>
internal sealed class MessagesExchange : HttpTransformer
{
    /// <summary>Sent upstream when the client named no version (Anthropic requires the header).</summary>
    public const string DefaultAnthropicVersion = "2023-06-01";

    private const int MaxErrorBodyBytes = 1024 * 1024;

    private readonly Deployment _deployment;
    private readonly string _model;
    private readonly string _requestId;
    private readonly bool _stream;
    private readonly bool _passthrough;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private long _sendTimestamp;
    private long _lastOutputTimestamp;
    private TokenUsage _usage;

    public MessagesExchange(Deployment deployment, string model, string requestId, bool stream, GatewayMetrics metrics, ILogger logger)
    {
        _deployment = deployment;
        _model = model;
        _requestId = requestId;
        _stream = stream;
        _passthrough = deployment.Provider.Kind == "anthropic";
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Time spent waiting on the provider, in Stopwatch ticks.</summary>
    public long UpstreamTicks { get; private set; }

    /// <summary>When the first generated output was relayed, or 0.</summary>
    public long FirstOutputTimestamp { get; private set; }

    /// <summary>Usage as the provider reported it.</summary>
    public TokenUsage Usage => _usage;

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var headers = proxyRequest.Headers;
        headers.Remove("Authorization");
        headers.Remove("x-api-key");
        headers.Remove("Accept-Encoding");
        var provider = _deployment.Provider;
        if (_passthrough)
        {
            if (provider.Credential is { } key)
            {
                headers.TryAddWithoutValidation("x-api-key", key);
            }

            if (!headers.Contains("anthropic-version"))
            {
                headers.TryAddWithoutValidation("anthropic-version", DefaultAnthropicVersion);
            }

            proxyRequest.RequestUri = new Uri(provider.BaseUrl + "/messages");
        }
        else
        {
            // Anthropic's own headers mean nothing to an OpenAI-compatible provider.
            headers.Remove("anthropic-version");
            headers.Remove("anthropic-beta");
            if (provider.Credential is { } credential)
            {
                if (provider.IsAzure)
                {
                    headers.TryAddWithoutValidation("api-key", credential);
                }
                else
                {
                    headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
                }
            }

            proxyRequest.RequestUri = _deployment.ChatCompletionsUri;
        }

        _sendTimestamp = Stopwatch.GetTimestamp();
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is null)
        {
            return false;
        }

        UpstreamTicks += Stopwatch.GetTimestamp() - _sendTimestamp;
        await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        var headers = httpContext.Response.Headers;
        headers.ContentLength = null;
        foreach (var name in new[] { RequestId.HeaderName, MessagesHandler.AnthropicRequestIdHeader })
        {
            if (proxyResponse.Headers.TryGetValues(name, out var upstreamIds))
            {
                headers["x-upstream-request-id"] = upstreamIds.FirstOrDefault();
            }

            headers[name] = _requestId;
        }

        headers["x-massrouter-provider"] = _deployment.Provider.Name;

        var status = (int)proxyResponse.StatusCode;
        var eventStream = string.Equals(proxyResponse.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);
        using var body = await proxyResponse.Content.ReadAsStreamAsync(cancellationToken);
        if (_passthrough)
        {
            // Anthropic's own bodies (messages, events and errors) are already what the client expects.
            await (status < 400 && eventStream ? RelayStreamAsync(httpContext, body, translator: null) : CopyAsync(httpContext, body));
        }
        else if (status >= 400)
        {
            await TranslateErrorAsync(httpContext, body, status);
        }
        else if (_stream && eventStream)
        {
            await RelayStreamAsync(httpContext, body, new AnthropicStreamTranslator(_model));
        }
        else
        {
            await TranslateMessageAsync(httpContext, body);
        }

        return false;
    }

    private async Task CopyAsync(HttpContext context, Stream body)
    {
        using var buffer = new PooledBufferWriter(16 * 1024);
        if (await ReadToEndAsync(context, body, buffer, int.MaxValue))
        {
            AnthropicUsageReader.Read(buffer.WrittenSpan, ref _usage);
            FirstOutputTimestamp = Stopwatch.GetTimestamp();
            context.Response.ContentLength = buffer.WrittenCount;
            await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
        }
    }

    private async Task TranslateErrorAsync(HttpContext context, Stream body, int status)
    {
        using var buffer = new PooledBufferWriter(4096);
        if (!await ReadToEndAsync(context, body, buffer, MaxErrorBodyBytes))
        {
            return;
        }

        var response = context.Response;
        response.ContentType = "application/json";
        AnthropicErrorWriter.TranslateOpenAIError(status, buffer.WrittenSpan, response.BodyWriter);
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private async Task TranslateMessageAsync(HttpContext context, Stream body)
    {
        using var buffer = new PooledBufferWriter(16 * 1024);
        if (!await ReadToEndAsync(context, body, buffer, int.MaxValue))
        {
            return;
        }

        FirstOutputTimestamp = Stopwatch.GetTimestamp();
        var response = context.Response;
        response.ContentType = "application/json";
        using var translated = new PooledBufferWriter(buffer.WrittenCount + 512);
        if (!AnthropicResponseTranslator.TryTranslate(buffer.WrittenMemory, _model, translated, out _usage))
        {
            _logger.LogWarning("Provider {Provider} answered /v1/messages with a body that is not a chat completion", _deployment.Provider.Name);
            response.StatusCode = StatusCodes.Status502BadGateway;
            AnthropicErrorWriter.Write(response.BodyWriter, "api_error", $"The provider '{_deployment.Provider.Name}' returned a response that is not a chat completion.");
            await response.BodyWriter.FlushAsync(context.RequestAborted);
            return;
        }

        response.ContentLength = translated.WrittenCount;
        await response.Body.WriteAsync(translated.WrittenMemory, context.RequestAborted);
    }

    /// <summary>
    /// Reads upstream SSE and flushes after every read that completed events. With a <paramref name="translator"/> each
    /// OpenAI chunk is translated; without one (passthrough) each Anthropic event is relayed as received, usage read on the way.
    /// </summary>
    private async Task RelayStreamAsync(HttpContext context, Stream body, AnthropicStreamTranslator? translator)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        var writer = response.BodyWriter;
        var aborted = context.RequestAborted;
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var start = 0;
        var end = 0;
        using var reader = new SseReader();
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        _metrics.StreamStarted(_model, _deployment.Provider.Name);
        try
        {
            while (translator is not { IsFinished: true })
            {
                if (end == buffer.Length)
                {
                    buffer = MakeRoom(buffer, ref start, ref end);
                }

                idle.CancelAfter(_deployment.Provider.ActivityTimeout);
                var waitStart = Stopwatch.GetTimestamp();
                var read = await body.ReadAsync(buffer.AsMemory(end), idle.Token);
                UpstreamTicks += Stopwatch.GetTimestamp() - waitStart;
                end += read;
                var final = read == 0;
                if (translator is null)
                {
                    RelayEvents(reader, buffer, ref start, end, final, writer);
                }
                else
                {
                    TranslateEvents(reader, translator, buffer, ref start, end, final, writer);
                    if (final)
                    {
                        EndTranslatedStream(translator, writer);
                    }
                }

                await writer.FlushAsync(aborted);
                if (final)
                {
                    break;
                }

                if (start == end)
                {
                    start = end = 0;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            if (!aborted.IsCancellationRequested)
            {
                var timedOut = ex is OperationCanceledException;
                _logger.LogWarning("Stream from provider {Provider} failed mid-way: {Error}", _deployment.Provider.Name, ex.Message);
                var type = timedOut ? "timeout_error" : "api_error";
                var message = timedOut ? "The provider stopped sending tokens (idle timeout)." : "The provider closed the connection mid-stream.";
                if (translator is null)
                {
                    AnthropicErrorWriter.WriteEvent(writer, type, message);
                }
                else
                {
                    translator.Fail(writer, type, message);
                }

                await FlushQuietlyAsync(writer, aborted);
            }
        }
        finally
        {
            if (translator is not null)
            {
                _usage = translator.Usage;
            }

            ArrayPool<byte>.Shared.Return(buffer);
            _metrics.StreamEnded(_model, _deployment.Provider.Name);
        }
    }

    /// <summary>The upstream stream ended: complete the answer if the provider finished it, else say it was cut short.</summary>
    private void EndTranslatedStream(AnthropicStreamTranslator translator, PipeWriter writer)
    {
        if (translator.IsFinished)
        {
            return;
        }

        if (translator.SawFinish)
        {
            translator.Complete(writer);
            return;
        }

        _logger.LogWarning("Stream from provider {Provider} ended before its finish reason", _deployment.Provider.Name);
        translator.Fail(writer, "api_error", "The provider's stream ended before the answer was complete.");
    }

    private void RelayEvents(SseReader reader, byte[] buffer, ref int start, int end, bool final, PipeWriter writer)
    {
        while (start < end && reader.TryRead(buffer.AsSpan(start, end - start), final, out var sseEvent, out var consumed))
        {
            start += consumed;
            if (sseEvent.HasData && AnthropicUsageReader.Read(sseEvent.Data, ref _usage))
            {
                MarkOutput();
            }

            writer.Write(sseEvent.Raw);
        }
    }

    private void TranslateEvents(SseReader reader, AnthropicStreamTranslator translator, byte[] buffer, ref int start, int end, bool final, PipeWriter writer)
    {
        while (start < end && !translator.IsFinished && reader.TryRead(buffer.AsSpan(start, end - start), final, out var sseEvent, out var consumed))
        {
            start += consumed;
            if (!sseEvent.HasData)
            {
                continue;
            }

            if (sseEvent.IsDone)
            {
                translator.Complete(writer);
                continue;
            }

            var before = translator.ContentDeltas;
            if (!translator.TranslateChunk(sseEvent.Data, writer))
            {
                _logger.LogWarning("Provider {Provider} sent a stream event that is not valid JSON", _deployment.Provider.Name);
                translator.Fail(writer, "api_error", "The provider sent malformed stream data.");
            }
            else if (translator.ContentDeltas > before)
            {
                MarkOutput();
            }
        }
    }

    private void MarkOutput()
    {
        var now = Stopwatch.GetTimestamp();
        if (FirstOutputTimestamp == 0)
        {
            FirstOutputTimestamp = now;
        }
        else
        {
            _metrics.InterTokenGap(_model, _deployment.Provider.Name, _lastOutputTimestamp, now);
        }

        _lastOutputTimestamp = now;
    }

    private async Task<bool> ReadToEndAsync(HttpContext context, Stream body, PooledBufferWriter buffer, int limit)
    {
        var start = Stopwatch.GetTimestamp();
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        try
        {
            while (buffer.WrittenCount < limit)
            {
                idle.CancelAfter(_deployment.Provider.ActivityTimeout);
                var read = await body.ReadAsync(buffer.GetMemory(8192), idle.Token);
                if (read == 0)
                {
                    break;
                }

                buffer.Advance(read);
            }

            return true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            if (!context.RequestAborted.IsCancellationRequested)
            {
                var timedOut = ex is OperationCanceledException;
                _logger.LogWarning("Reading the response of provider {Provider} failed: {Error}", _deployment.Provider.Name, ex.Message);
                context.Response.StatusCode = timedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway;
                context.Response.ContentType = "application/json";
                AnthropicErrorWriter.Write(
                    context.Response.BodyWriter,
                    timedOut ? "timeout_error" : "api_error",
                    timedOut ? "The provider stopped sending its response before it was complete (timed out)." : "The provider's response was cut off before it was complete.");
            }

            return false;
        }
        finally
        {
            UpstreamTicks += Stopwatch.GetTimestamp() - start;
        }
    }

    private static byte[] MakeRoom(byte[] buffer, ref int start, ref int end)
    {
        if (start > 0)
        {
            buffer.AsSpan(start, end - start).CopyTo(buffer);
            end -= start;
            start = 0;
            return buffer;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
        buffer.AsSpan(0, end).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    private static async Task FlushQuietlyAsync(PipeWriter writer, CancellationToken aborted)
    {
        try
        {
            await writer.FlushAsync(aborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client is gone too; nothing left to tell.
        }
    }
}
