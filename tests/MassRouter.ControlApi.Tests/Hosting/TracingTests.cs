using System.Net;
using MassRouter.ControlApi.Tests.Infrastructure;
using MassRouter.Tests.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace MassRouter.ControlApi.Tests.Hosting;

/// <summary>
/// The control API on its own with <c>ControlApi:Tracing:OtlpEndpoint</c>: its requests and their PostgreSQL commands
/// reach an OTLP collector on loopback as one trace.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TracingTests(PostgresControlApiFixture fixture)
{
    [Fact]
    public async Task ARequest_IsAServerSpan_WithItsDatabaseCommandsUnderIt()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        var settings = new Dictionary<string, string?>(fixture.HostSettings)
        {
            ["ControlApi:Tracing:OtlpEndpoint"] = collector.Address.ToString(),
        };
        await using var app = await ControlApiHost.BuildAsync(
            ["--urls", "http://127.0.0.1:0", "--environment", "Testing", "--Logging:LogLevel:Default=Error"],
            builder => builder.Configuration.AddInMemoryCollection(settings));
        await app.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ActivityHeadersPropagator = null }) { BaseAddress = new Uri(app.Urls.First()) };

        var port = (long)http.BaseAddress.Port;
        using var models = await http.GetAsync("/api/models");
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        using var probe = await http.GetAsync("/healthz");

        var tracer = app.Services.GetRequiredService<TracerProvider>();
        ReceivedSpan? server = null;
        for (var i = 0; i < 100 && (server is null || !collector.Spans.Any(s => s.ParentSpanId == server.SpanId)); i++)
        {
            tracer.ForceFlush(2000);
            // This host's: the tracer listens process-wide, and other tests' hosts in this process answer /api/models too.
            server = collector.Spans.FirstOrDefault(s => s.Kind == ReceivedSpan.Server && (string?)s["url.path"] == "/api/models" && s["server.port"] is long p && p == port);
            await Task.Delay(50);
        }

        Assert.NotNull(server);
        Assert.Equal("massrouter-control-api", server.Resource["service.name"]);
        var query = collector.Spans.FirstOrDefault(s => s.ParentSpanId == server.SpanId);
        Assert.NotNull(query);
        Assert.Equal("postgresql", query["db.system"] ?? query["db.system.name"]);
        Assert.DoesNotContain(collector.Spans, s => (string?)s["url.path"] == "/healthz" && s["server.port"] is long p && p == port);
        await app.StopAsync();
    }
}
