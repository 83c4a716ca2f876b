using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using MassRouter.Core.Money;
using MassRouter.Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Telemetry;

/// <summary>
/// The access log (<see cref="AccessLogOptions"/>): a JSON line per request to <c>/v1/...</c>, written off the request
/// path. The middleware times the request and queues its <see cref="AccessLogEntry"/>; a background writer serialises the
/// queued lines and writes them in batches to standard output or a file. A full queue drops lines, never delays a
/// request. Prompts and answers are never logged, nor any key (only its id).
/// </summary>
internal sealed partial class AccessLog : BackgroundService
{
    private readonly AccessLogOptions _options;
    private readonly Channel<AccessLogEntry> _queue;
    private readonly ILogger<AccessLog> _logger;

    // Standard output is shared with the console logger: writes of at most PIPE_BUF bytes reach a pipe whole, so its
    // lines and these never interleave mid-line. A file of its own takes larger batches.
    private readonly int _batchBytes;

    // The line being written (the writer's own), moved into the batch once whole.
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private long _dropped;

    public AccessLog(IOptions<GatewayOptions> options, ILogger<AccessLog> logger)
    {
        _options = options.Value.AccessLog;
        _logger = logger;
        _batchBytes = _options.Path.Length == 0 ? 4096 : 48 * 1024;
        _queue = Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(Math.Max(1, _options.QueueCapacity))
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        });
    }

    /// <summary>Lines dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The middleware: times each <c>/v1/...</c> request and queues its line once it has been answered.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments("/v1"))
        {
            await next(context);
            return;
        }

        var entry = new AccessLogEntry
        {
            Time = DateTimeOffset.UtcNow,
            Method = context.Request.Method,
            Path = context.Request.Path.Value ?? "",
            Started = Stopwatch.GetTimestamp(),
        };
        context.Features.Set(entry);
        try
        {
            await next(context);
        }
        finally
        {
            entry.Status = context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode;
            entry.DurationMs = Stopwatch.GetElapsedTime(entry.Started).TotalMilliseconds;
            entry.RequestId = context.Response.Headers["x-request-id"].ToString() is { Length: > 0 } id ? id : null;
            if (!_queue.Writer.TryWrite(entry))
            {
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var output = _options.Path.Length == 0
            ? Console.OpenStandardOutput()
            : new FileStream(_options.Path, FileMode.Append, FileAccess.Write, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using var writer = new Utf8JsonWriter(_line);
        var reported = 0L;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                await DrainAsync(output, buffer, writer);
                if (Dropped > reported)
                {
                    LogDropped(Dropped - reported, _options.QueueCapacity);
                    reported = Dropped;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Stopping: what was queued is written (requests still draining were queued before the host stops services).
        await DrainAsync(output, buffer, writer);
    }

    private async Task DrainAsync(Stream output, ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer)
    {
        var line = _line;
        while (_queue.Reader.TryRead(out var entry))
        {
            Write(writer, entry);
            writer.Flush();
            writer.Reset();
            line.Write("\n"u8);
            if (buffer.WrittenCount > 0 && buffer.WrittenCount + line.WrittenCount > _batchBytes)
            {
                await output.WriteAsync(buffer.WrittenMemory);
                buffer.ResetWrittenCount();
            }

            buffer.Write(line.WrittenSpan);
            line.ResetWrittenCount();
        }

        if (buffer.WrittenCount > 0)
        {
            await output.WriteAsync(buffer.WrittenMemory);
            buffer.ResetWrittenCount();
        }

        await output.FlushAsync();
    }

    /// <summary>One line's JSON (snake_case, as log pipelines expect); members without a value are left out.</summary>
    internal static void Write(Utf8JsonWriter json, AccessLogEntry entry)
    {
        json.WriteStartObject();
        json.WriteString("time", entry.Time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        Optional(json, "request_id", entry.RequestId);
        json.WriteString("method", entry.Method);
        json.WriteString("path", entry.Path);
        json.WriteNumber("status", entry.Status);
        json.WriteNumber("duration_ms", Math.Round(entry.DurationMs, 3));
        Optional(json, "api", entry.Api);
        Optional(json, "key_id", entry.KeyId);
        Optional(json, "account", entry.Account);
        Optional(json, "model", entry.Model);
        if (entry.Api is not null)
        {
            json.WriteBoolean("stream", entry.Stream);
        }

        Optional(json, "provider", entry.Provider);
        Optional(json, "upstream_model", entry.UpstreamModel);
        if (entry.Attempts > 0)
        {
            json.WriteNumber("attempts", entry.Attempts);
        }

        if (entry.TimeToFirstTokenMs is { } ttft)
        {
            json.WriteNumber("ttft_ms", Math.Round(ttft, 3));
        }

        if (entry.Usage.IsKnown)
        {
            json.WriteNumber("prompt_tokens", entry.Usage.PromptTokens);
            json.WriteNumber("completion_tokens", entry.Usage.CompletionTokens);
            if (entry.Usage.CachedPromptTokens > 0)
            {
                json.WriteNumber("cached_tokens", entry.Usage.CachedPromptTokens);
            }

            if (entry.Usage.ReasoningTokens > 0)
            {
                json.WriteNumber("reasoning_tokens", entry.Usage.ReasoningTokens);
            }
        }

        if (entry.CostNanos is { } cost)
        {
            json.WriteNumber("cost_usd", (decimal)cost / Nanos.PerDollar);
        }

        Optional(json, "cache", entry.Cache);
        Optional(json, "error", entry.Error);
        json.WriteEndObject();
    }

    private static void Optional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The access log dropped {Count} lines: its queue ({Capacity}) was full (the output is slower than the requests)")]
    private partial void LogDropped(long count, int capacity);
}
