using MassRouter.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace MassRouter.Gateway.Tests.Configuration;

/// <summary>
/// ASP.NET Core starts an Activity per request (and the upstream call a child one that writes <c>traceparent</c>) when
/// its hosting logger is enabled at any level; the gateway turns that category off unless the configuration names it.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class RequestActivityTests(GatewayFixture gateway)
{
    [Fact]
    public async Task NoActivity_IsStartedForARequest_SoTheProviderGetsNoTraceparent()
    {
        var id = Guid.NewGuid().ToString("N");
        using (var response = await gateway.Http.SendAsync(gateway.ChatRequest("""{"model":"test/gpt","messages":[{"role":"user","content":"hi"}]}""", headers: ("x-sim-request-id", id))))
        {
            response.EnsureSuccessStatusCode();
        }

        var headers = (await gateway.RecordedRequestAsync(id))["headers"]!.AsObject();

        // The recorded request is real: the gateway's credential arrived, so an absent header is absent, not unrecorded.
        Assert.Equal("Bearer " + GatewayFixture.UpstreamCredential, headers["authorization"]!.GetValue<string>());
        Assert.False(headers.ContainsKey("traceparent"), "the gateway started an Activity for the request: " + headers.ToJsonString());
    }

    [Fact]
    public async Task HostingDiagnostics_AreOffByDefault()
    {
        await using var app = await GatewayHost.BuildAsync(["--urls", "http://127.0.0.1:0", "--MassRouter:Metering:Enabled=false", "--MassRouter:Providers:p:BaseUrl=http://127.0.0.1:9/v1", "--Logging:LogLevel:Default=Trace"]);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(GatewayHost.HostingDiagnosticsCategory);

        Assert.False(logger.IsEnabled(LogLevel.Critical));
    }

    [Fact]
    public async Task HostingDiagnostics_NamedInTheConfiguration_AreAsConfigured()
    {
        await using var app = await GatewayHost.BuildAsync(["--urls", "http://127.0.0.1:0", "--MassRouter:Metering:Enabled=false", "--MassRouter:Providers:p:BaseUrl=http://127.0.0.1:9/v1", "--Logging:LogLevel:" + GatewayHost.HostingDiagnosticsCategory + "=Information"]);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(GatewayHost.HostingDiagnosticsCategory);

        Assert.True(logger.IsEnabled(LogLevel.Information));
        Assert.False(logger.IsEnabled(LogLevel.Debug));
    }
}
