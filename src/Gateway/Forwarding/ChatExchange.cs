using System.Buffers;
using System.Diagnostics;
using System.Net.Http.Headers;
using MassRouter.Gateway.Resilience;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Telemetry;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Compatible;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Usage;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// One chat-completions exchange with a provider: the YARP transformer that shapes the outgoing request, and the relay
/// that carries the response back event by event while reading usage and timing off it.
/// </summary>
internal sealed partial class ChatExchange : HttpTransformer
{
    private const int MaxErrorBodyBytes = 1024 * 1024;

    // A non-streamed answer up to this size is read whole before it is relayed (with its exact Content-Length, and a clean
    // 502/504 if the provider fails mid-body); a larger one is relayed as it arrives.
    private const int LargeAnswerBytes = 1024 * 1024;

    // Bedrock's (and every AWS service's) id for a request.
    private const string AmazonRequestIdHeader = "x-amzn-RequestId";

    private readonly Deployment _deployment;
    private readonly string _model;
    private readonly string _requestId;
    private readonly bool _stream;
    private readonly bool _stripUsageChunk;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private readonly IRetryGate? _retryGate;
    private readonly CancellationToken _stop;
    private readonly ShutdownDrain? _drain;
    private long _sendTimestamp;
    private long _lastOutputTimestamp;
    private TokenUsage _usage;
    private readonly OpenAICompatibleNormaliser _normaliser;

    public ChatExchange(
        Deployment deployment,
        string model,
        string requestId,
        bool stream,
        bool stripUsageChunk,
        GatewayMetrics metrics,
        ILogger logger,
        IRetryGate? retryGate = null,
        ShutdownDrain? drain = null,
        CancellationToken stop = default)
    {
        _retryGate = retryGate;
        _drain = drain;
        _stop = stop;
        _deployment = deployment;
        _model = model;
        _requestId = requestId;
        _stream = stream;
        _stripUsageChunk = stripUsageChunk;
        _metrics = metrics;
        _logger = logger;
        _normaliser = new OpenAICompatibleNormaliser(includeUsage: !stripUsageChunk);
        Codec = deployment.Provider.Codec;
    }

    /// <summary>Time spent waiting on the provider (headers and body reads), in Stopwatch ticks.</summary>
    public long UpstreamTicks { get; private set; }

    /// <summary>When the first generated output was relayed, or 0.</summary>
    public long FirstOutputTimestamp { get; private set; }

    /// <summary>Usage as the provider reported it.</summary>
    public TokenUsage Usage => _usage;

    /// <summary>
    /// The codec the answer is read with: the provider's (null for OpenAI-compatible ones), or Anthropic's passthrough when an
    /// Anthropic client reaches an Anthropic-kind deployment.
    /// </summary>
    public IChatCodec? Codec { get; init; }

    /// <summary>The upstream URL when it is not the deployment's chat URL (an embeddings request).</summary>
    public Uri? RequestUri { get; init; }

    /// <summary>The body sent upstream (signed with it when the provider signs requests).</summary>
    public ReadOnlyMemory<byte> UpstreamBody { get; init; }

    /// <summary>Metering's collector of relayed output (null when unmetered).</summary>
    public DeliveredOutput? Output { get; init; }

    /// <summary>How long a started stream may be idle before a keep-alive goes to the client (zero: never).</summary>
    public TimeSpan KeepAliveInterval { get; init; }

    /// <summary>The client dialect the stream is written in, when not OpenAI's (its keep-alive is its own).</summary>
    public IClientDialect? Dialect { get; init; }


    /// <summary>True when the relay ended the stream early with an error event (upstream failure mid-stream).</summary>
    public bool EndedWithError { get; private set; }

    /// <summary>The provider's HTTP status, or 0 when no response arrived.</summary>
    public int UpstreamStatus { get; private set; }

    /// <summary>How long a provider that answered 429 asked to be left alone (its <c>retry-after</c>), if it said.</summary>
    public TimeSpan? UpstreamRetryAfter { get; private set; }

    /// <summary>True when the attempt failed retryably and nothing was written: the caller tries again.</summary>
    public bool RetryableFailure { get; private set; }

    /// <summary>
    /// True when the provider refused the request as too long for the model's context and the request moved on to a
    /// fallback (<see cref="RetryableFailure"/> too): a client error, not a failure of the deployment.
    /// </summary>
    public bool ExceededContext { get; private set; }

    /// <summary>When the provider's response headers arrived, or 0.</summary>
    public long HeadersTimestamp { get; private set; }

    /// <summary>From sending the request to the provider's response headers.</summary>
    public TimeSpan TimeToHeaders => HeadersTimestamp == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_sendTimestamp, HeadersTimestamp);

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var headers = proxyRequest.Headers;

        // The base transformer copies every client header, Host included: the provider must see its own host (TLS
        // front ends route and refuse by it, and SigV4 signs it), so HttpClient takes it from the request URI.
        headers.Host = null;
        ClientOnlyHeaders.RemoveFrom(headers);

        var provider = _deployment.Provider;
        provider.ApplyHeaders(headers, keepClientAnthropicVersion: Codec is AnthropicPassthroughCodec);
        proxyRequest.RequestUri = RequestUri ?? (_stream ? _deployment.StreamUri : _deployment.ChatCompletionsUri);
        provider.Sign(proxyRequest, UpstreamBody.Span);
        _sendTimestamp = Stopwatch.GetTimestamp();
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is null)
        {
            return false;
        }

        HeadersTimestamp = Stopwatch.GetTimestamp();
        UpstreamTicks += HeadersTimestamp - _sendTimestamp;
        var status = (int)proxyResponse.StatusCode;
        UpstreamStatus = status;
        var retryable = RetryPolicy.IsRetryable(status);
        var retryAfter = retryable ? RetryPolicy.RetryAfter(proxyResponse) : null;
        if (status == StatusCodes.Status429TooManyRequests)
        {
            UpstreamRetryAfter = retryAfter;
        }

        if (retryable && _retryGate?.TryReserveRetry(status, retryAfter) == true)
        {
            // Nothing of this answer reaches the client: another deployment (or a later attempt) answers instead.
            RetryableFailure = true;
            return false;
        }

        if (status is StatusCodes.Status400BadRequest or StatusCodes.Status413PayloadTooLarge && _retryGate is { HasFallback: true }
            && await ExceedsContextAsync(proxyResponse, cancellationToken) && _retryGate.TryFallBack("context_length"))
        {
            // Too long for this model: a fallback (another model, a deployment with a larger window) may take it.
            RetryableFailure = true;
            ExceededContext = true;
            return false;
        }

        await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        var headers = httpContext.Response.Headers;
        headers.ContentLength = null;
        // The provider's own id for the request (OpenAI-compatible: x-request-id; Anthropic: request-id; Bedrock:
        // x-amzn-RequestId), for support tickets with the provider. Anthropic's and Bedrock's headers are not passed on as
        // they came: on /v1/messages Anthropic's name carries the gateway's id, and on chat completions either would sit
        // beside our x-request-id as a second, different id.
        var upstreamHeaders = proxyResponse.Headers.NonValidated;
        if (upstreamHeaders.TryGetValues(RequestId.HeaderName, out var upstreamIds)
            || upstreamHeaders.TryGetValues(MessagesHandler.AnthropicRequestIdHeader, out upstreamIds)
            || upstreamHeaders.TryGetValues(AmazonRequestIdHeader, out upstreamIds))
        {
            headers["x-upstream-request-id"] = upstreamIds.ToString();
        }

        headers.Remove(MessagesHandler.AnthropicRequestIdHeader);
        headers.Remove(AmazonRequestIdHeader);
        ProviderOnlyHeaders.RemoveFrom(headers, upstreamHeaders);

        headers[RequestId.HeaderName] = _requestId;
        headers["x-massrouter-provider"] = _deployment.Provider.Name;
        headers["x-massrouter-model"] = _model;

        using var body = await proxyResponse.Content.ReadAsStreamAsync(cancellationToken);
        if (Codec is { } codec)
        {
            await RelayTranslatedAsync(httpContext, proxyResponse, body, status, codec);
        }
        else if (status >= 400)
        {
            await RelayErrorAsync(httpContext, body, status);
        }
        else if (_stream && IsEventStream(proxyResponse.Content.Headers.ContentType))
        {
            await RelayStreamAsync(httpContext, body);
        }
        else
        {
            await RelayJsonAsync(httpContext, body, proxyResponse.Content.Headers.ContentLength);
        }

        // The body has been written here; YARP must not copy it again.
        return false;
    }

    /// <summary>
    /// Whether a client-error answer says the request is too long for the model's context. Its body is buffered for that
    /// (up to 1 MiB; it is relayed from the buffer when the request does not move on).
    /// </summary>
    private static async ValueTask<bool> ExceedsContextAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await response.Content.LoadIntoBufferAsync(1024 * 1024, cancellationToken);
            return ContextLengthErrors.Match(await response.Content.ReadAsByteArrayAsync(cancellationToken));
        }
        catch (HttpRequestException)
        {
            // Larger than any error a provider sends, or cut short: relayed as it can be.
            return false;
        }
    }

    private static bool IsEventStream(MediaTypeHeaderValue? contentType, string mediaType = SseReader.MediaType) =>
        string.Equals(contentType?.MediaType, mediaType, StringComparison.OrdinalIgnoreCase);

    private async Task RelayJsonAsync(HttpContext context, Stream body, long? upstreamLength)
    {
        using var buffer = new PooledBufferWriter(16 * 1024);
        if (!await ReadToEndAsync(context, body, buffer, LargeAnswerBytes))
        {
            return;
        }

        if (buffer.WrittenCount >= LargeAnswerBytes)
        {
            await RelayLargeJsonAsync(context, body, buffer, upstreamLength);
            return;
        }

        ChunkInspector.Inspect(buffer.WrittenSpan, ref _usage);
        FirstOutputTimestamp = Stopwatch.GetTimestamp();
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    /// <summary>
    /// Relays an answer larger than <see cref="LargeAnswerBytes"/> (a big embeddings batch: 2,048 vectors of 1,536 floats
    /// are about 35 MB) piece by piece as it arrives, reading its usage on the way, so the gateway never holds it whole.
    /// Its status is sent with the first piece: a provider failing after that ends the response abruptly (the client sees
    /// a cut-off body, never a truncated one that parses), and the attempt counts as failed.
    /// </summary>
    private async Task RelayLargeJsonAsync(HttpContext context, Stream body, PooledBufferWriter buffer, long? upstreamLength)
    {
        using var scanner = new JsonUsageScanner();
        using var idle = new ReadDeadline(context.RequestAborted, _stop);
        var response = context.Response;
        response.ContentLength = upstreamLength;
        FirstOutputTimestamp = Stopwatch.GetTimestamp();
        try
        {
            while (buffer.WrittenCount > 0)
            {
                scanner.Append(buffer.WrittenSpan);
                await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
                buffer.Clear();
                var start = Stopwatch.GetTimestamp();
                idle.Set(_deployment.Provider.ActivityTimeout);
                var read = await body.ReadAsync(buffer.GetMemory(64 * 1024), idle.Token);
                UpstreamTicks += Stopwatch.GetTimestamp() - start;
                buffer.Advance(read);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            if (!context.RequestAborted.IsCancellationRequested)
            {
                _logger.LogWarning("Relaying the response of provider {Provider} failed: {Error}", _deployment.Provider.Name, ex.Message);
                EndedWithError = true;
                context.Abort();
            }

            return;
        }

        scanner.Complete(ref _usage);
    }

    private async Task RelayErrorAsync(HttpContext context, Stream body, int status)
    {
        using var buffer = new PooledBufferWriter(4096);
        if (!await ReadToEndAsync(context, body, buffer, MaxErrorBodyBytes))
        {
            return;
        }

        var response = context.Response;
        response.ContentType = "application/json";
        if (OpenAIErrorWriter.IsOpenAIError(buffer.WrittenSpan))
        {
            response.ContentLength = buffer.WrittenCount;
            await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
            return;
        }

        // Not OpenAI-shaped: wrap it so clients always see one error shape, keeping the provider's words.
        var text = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan[..Math.Min(buffer.WrittenCount, 2000)]).Trim();
        var message = $"The provider '{_deployment.Provider.Name}' returned HTTP {status}" + (text.Length > 0 ? $": {text}" : ".");
        OpenAIErrorWriter.Write(response.BodyWriter, message, status >= 500 ? "server_error" : "invalid_request_error", null, "upstream_error");
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private async Task<bool> ReadToEndAsync(HttpContext context, Stream body, PooledBufferWriter buffer, int limit)
    {
        var start = Stopwatch.GetTimestamp();
        using var idle = new ReadDeadline(context.RequestAborted, _stop);
        try
        {
            while (buffer.WrittenCount < limit)
            {
                idle.Set(_deployment.Provider.ActivityTimeout);
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
                OpenAIErrorWriter.Write(
                    context.Response.BodyWriter,
                    timedOut ? "The provider stopped sending its response before it was complete (timed out)." : "The provider's response was cut off before it was complete.",
                    "server_error",
                    null,
                    timedOut ? "upstream_timeout" : "upstream_disconnected");
                EndedWithError = true;
            }

            return false;
        }
        finally
        {
            UpstreamTicks += Stopwatch.GetTimestamp() - start;
        }
    }

    private async Task RelayStreamAsync(HttpContext context, Stream body)
    {
        var response = context.Response;
        var writer = response.BodyWriter;
        var aborted = context.RequestAborted;

        // Held only while there is data to relay (or the tail of a partial event): a stream spends nearly all its time
        // waiting for the provider, and with hundreds of streams holding 16 KB each the shared pool would run dry.
        byte[]? buffer = null;
        var start = 0;
        var end = 0;
        using var reader = _translator is null ? new SseReader() : Codec!.CreateEventReader();
        using var idle = new ReadDeadline(aborted, _stop);
        var relayedAny = false;
        var keepAlive = StreamKeepAlive.Start(
            writer, Dialect, KeepAliveInterval, beforeFirstEvent: Dialect is null && !_deployment.HasOwnFirstTokenTimeout, aborted);
        _metrics.StreamStarted(_model, _deployment.Provider.Name);
        try
        {
            while (true)
            {
                idle.Set(relayedAny ? _deployment.Provider.ActivityTimeout : FirstEventWait());
                keepAlive?.BeforeWait();
                var waitStart = Stopwatch.GetTimestamp();
                if (buffer is null)
                {
                    // Wait for data without a buffer (as YARP's own copier does); the read after it completes at once.
                    _ = await body.ReadAsync(Memory<byte>.Empty, idle.Token);
                    buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
                }
                else if (end == buffer.Length)
                {
                    buffer = MakeRoom(buffer, ref start, ref end);
                }

                var read = await body.ReadAsync(buffer.AsMemory(end), idle.Token);
                UpstreamTicks += Stopwatch.GetTimestamp() - waitStart;
                if (keepAlive is not null)
                {
                    await keepAlive.ResumeAsync();
                }

                end += read;
                var final = read == 0;
                if (RelayEvents(reader, buffer, ref start, end, final, writer))
                {
                    relayedAny = true;
                    await writer.FlushAsync(aborted);
                    keepAlive?.Relayed();
                }

                if (final || _normaliser.IsEnded)
                {
                    // After an upstream error event the client's stream is complete: nothing the provider sends next
                    // (its [DONE], or a silence until the idle timeout) may reach the client.
                    return;
                }

                if (start == end)
                {
                    start = end = 0;
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            if (keepAlive is not null)
            {
                // The error below is written by this method alone.
                await keepAlive.StopAsync();
            }

            if (aborted.IsCancellationRequested)
            {
                // The client left: disposing the upstream response (by our caller) cancels the provider's work at once.
                return;
            }

            var timedOut = ex is OperationCanceledException;
            if (!relayedAny && !response.HasStarted && !_stop.IsCancellationRequested)
            {
                // Nothing reached the client yet: a stall before the first event may still go to another deployment.
                _logger.LogWarning("Provider {Provider} sent no stream event in time: {Error}", _deployment.Provider.Name, ex.Message);
                if (_retryGate?.TryReserveRetry(timedOut ? RetryPolicy.Timeout : RetryPolicy.ConnectFailure, null) == true)
                {
                    RetryableFailure = true;
                    return;
                }

                EndedWithError = true;
                response.StatusCode = timedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway;
                response.ContentType = "application/json";
                OpenAIErrorWriter.Write(
                    writer,
                    timedOut ? "The provider did not start its answer in time (first-token timeout)." : "The provider closed the connection before answering.",
                    "server_error",
                    null,
                    timedOut ? "upstream_timeout" : "upstream_disconnected");
                return;
            }

            var (message, code) = _stop.IsCancellationRequested
                ? _drain?.IsDraining == true
                    ? ("The gateway is shutting down; the stream was ended before it was complete.", "gateway_shutting_down")
                    : ("The request exceeded its total time limit.", "request_timeout")
                : timedOut
                    ? ("The provider stopped sending tokens (idle timeout).", "upstream_timeout")
                    : ("The provider closed the connection mid-stream.", "upstream_disconnected");
            _logger.LogWarning("Stream from provider {Provider} ended early ({Code}): {Error}", _deployment.Provider.Name, code, ex.Message);
            EndedWithError = true;
            await WriteStreamErrorAsync(writer, message, code, aborted);
        }
        finally
        {
            if (keepAlive is not null)
            {
                // Whatever comes after the relay (the dialect's end of the stream, the pipeline) writes alone.
                await keepAlive.StopAsync();
                if (keepAlive.Sent > 0)
                {
                    _metrics.KeepAlivesSent(_model, _deployment.Provider.Name, keepAlive.Sent);
                }
            }

            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            _metrics.StreamEnded(_model, _deployment.Provider.Name);
        }
    }

    /// <summary>What is left of the first-token timeout since the request was sent.</summary>
    private TimeSpan FirstEventWait()
    {
        var left = _deployment.FirstTokenTimeout - Stopwatch.GetElapsedTime(_sendTimestamp);
        return left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
    }

    /// <summary>Relays every complete event in the buffer; true when anything was written.</summary>
    private bool RelayEvents(IEventReader reader, byte[] buffer, ref int start, int end, bool final, System.IO.Pipelines.PipeWriter writer)
    {
        if (_translator is not null)
        {
            return TranslateEvents(_translator, reader, buffer, ref start, end, final, writer);
        }

        var wrote = false;
        while (start < end && reader.TryRead(buffer.AsSpan(start, end - start), final, out var sseEvent, out var consumed))
        {
            start += consumed;
            var facts = ChunkFacts.None;
            Range nullUsage = default;
            if (sseEvent.HasData && !sseEvent.IsDone)
            {
                facts = ChunkInspector.Inspect(sseEvent.Data, ref _usage, out nullUsage);
                if ((facts & ChunkFacts.HasOutput) != 0)
                {
                    MarkOutput();
                    Output?.Append(sseEvent.Data);
                }

                if (_stripUsageChunk && (facts & (ChunkFacts.HasUsage | ChunkFacts.HasChoices | ChunkFacts.HasError)) == ChunkFacts.HasUsage)
                {
                    // The usage chunk the gateway asked for on the client's behalf: read, not relayed. A chunk with an
                    // error is never that one, usage or not: the client must see the error.
                    continue;
                }
            }

            // Also cuts the "usage":null OpenAI adds to every chunk of a stream the gateway asked usage for.
            if (_normaliser.TryNormalise(sseEvent, facts, nullUsage, writer, ref _usage))
            {
                // Provider quirks rewritten (or an upstream error event turned into the final OpenAI one).
                EndedWithError |= _normaliser.IsEnded;
                wrote = true;
                continue;
            }

            writer.Write(sseEvent.Raw);
            wrote = true;
        }

        return wrote;
    }

    /// <summary>Records the time of generated output: the first one, and the gap since the last.</summary>
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

    private static byte[] MakeRoom(byte[] buffer, ref int start, ref int end)
    {
        if (start > 0)
        {
            buffer.AsSpan(start, end - start).CopyTo(buffer);
            end -= start;
            start = 0;
            return buffer;
        }

        // One event larger than the buffer: grow it.
        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
        buffer.AsSpan(0, end).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    private static async Task WriteStreamErrorAsync(System.IO.Pipelines.PipeWriter writer, string message, string code, CancellationToken aborted)
    {
        try
        {
            writer.Write("data: "u8);
            OpenAIErrorWriter.Write(writer, message, "server_error", null, code);
            writer.Write("\n\ndata: [DONE]\n\n"u8);
            await writer.FlushAsync(aborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client is gone too; nothing left to tell.
        }
    }
}
