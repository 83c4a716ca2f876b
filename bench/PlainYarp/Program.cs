// The baseline for the end-to-end benchmark: YARP's IHttpForwarder with no features at all, configured as the gateway's
// forwarding path is (same invoker settings), forwarding every request to --upstream.
using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
builder.Services.AddHttpForwarder();
var app = builder.Build();

var upstream = app.Configuration["upstream"] ?? throw new InvalidOperationException("--upstream http://host:port is required");
var invoker = new HttpMessageInvoker(new SocketsHttpHandler
{
    UseProxy = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
    UseCookies = false,
    EnableMultipleHttp2Connections = true,
    ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
    ConnectTimeout = TimeSpan.FromSeconds(15),
});
var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
var config = ForwarderRequestConfig.Empty;
app.Map("/{**catch-all}", async context =>
{
    await forwarder.SendAsync(context, upstream, invoker, config, HttpTransformer.Empty);
});
app.Run();
