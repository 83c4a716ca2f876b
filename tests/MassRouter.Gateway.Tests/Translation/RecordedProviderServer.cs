using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using MassRouter.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MassRouter.Gateway.Tests.Translation;

/// <summary>
/// A loopback stand-in for the OpenAI, Anthropic, Gemini, Cohere and Bedrock APIs that answers any POST with the recorded fixture
/// named by the <c>x-sim-fixture</c> header (status from an <c>error-NNN</c> name, SSE for <c>.sse</c> files, AWS's event stream for <c>.eventstream.bin</c>), or with
/// the event stream given base64-encoded in <c>x-test-sse</c> (for shapes no recording has), adding the response headers
/// given as a JSON object in <c>x-test-response-headers</c>, and keeps what it
/// received, so tests can check what the gateway sent upstream.
/// </summary>
internal sealed partial class RecordedProviderServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ReceivedRequest> _received = new();

    private RecordedProviderServer(WebApplication app) => _app = app;

    /// <summary>The <c>x-amzn-RequestId</c> every Bedrock path is answered with.</summary>
    public const string BedrockRequestId = "5b8e8f5c-2f1c-4e0e-9d5a-bedrock00001";

    public Uri Address { get; private set; } = null!;

    public static async Task<RecordedProviderServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new RecordedProviderServer(app);
        app.MapPost("/{**path}", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Address = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return server;
    }

    /// <summary>The request that asked for <paramref name="tag"/> (the <c>x-test-tag</c> header).</summary>
    public ReceivedRequest Received(string tag) => _received[tag];

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new StreamReader(context.Request.Body);
        var text = await body.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        if (headers.TryGetValue("x-test-tag", out var tag))
        {
            var rawTarget = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget;
            _received[tag] = new ReceivedRequest(context.Request.Path + context.Request.QueryString, headers, text, rawTarget);
        }

        if (headers.TryGetValue("x-test-response-headers", out var extra))
        {
            foreach (var (name, value) in System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(extra)!)
            {
                context.Response.Headers.Append(name, value);
            }
        }

        if (headers.TryGetValue("x-test-sse", out var sse))
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.Body.WriteAsync(Convert.FromBase64String(sse), context.RequestAborted);
            return;
        }

        var fixture = context.Request.Headers["x-sim-fixture"].ToString();
        var path = Path.Combine(GatewayFixture.FixturesPath, fixture);
        var status = ErrorStatus().Match(fixture) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 200;
        context.Response.StatusCode = status;
        context.Response.ContentType = fixture.EndsWith(".sse", StringComparison.Ordinal) ? "text/event-stream"
            : fixture.EndsWith(".eventstream.bin", StringComparison.Ordinal) ? "application/vnd.amazon.eventstream"
            : "application/json";
        if (context.Request.Path.StartsWithSegments("/model"))
        {
            // Bedrock's request id (its error bodies name no type: that travels in x-amzn-ErrorType).
            context.Response.Headers["x-amzn-RequestId"] = BedrockRequestId;
        }

        await context.Response.Body.WriteAsync(await File.ReadAllBytesAsync(path, context.RequestAborted), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [GeneratedRegex(@"error-(\d{3})")]
    private static partial Regex ErrorStatus();
}

/// <summary>What the provider stand-in received.</summary>
/// <param name="RawTarget">The request target exactly as sent (percent-encoding kept).</param>
internal sealed record ReceivedRequest(string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body, string RawTarget = "");
