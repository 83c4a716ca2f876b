using System.Security.Cryptography;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Caching;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Cors;
using MassRouter.Gateway.Embedded;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.Forwarding;
using MassRouter.Gateway.Memory;
using MassRouter.Gateway.Health;
using MassRouter.Gateway.Redis;
using MassRouter.Gateway.Resilience;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Scheduling;
using MassRouter.Gateway.StoredResponses;
using MassRouter.Gateway.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prometheus;

namespace MassRouter.Gateway;

/// <summary>Builds the data-plane host; used by <c>Program</c>, the tests and the benchmarks alike.</summary>
public static class GatewayHost
{
    /// <summary>The address used when no <c>--urls</c>, <c>ASPNETCORE_URLS</c> or <c>ASPNETCORE_HTTP_PORTS</c> is given.</summary>
    public const string DefaultUrl = "http://localhost:8080";

    /// <summary>The host setting that makes the appsettings files watched for changes.</summary>
    internal const string ReloadConfigOnChangeKey = "hostBuilder:reloadConfigOnChange";

    /// <summary>
    /// The configuration is read once, at start: nothing reloads options, so the files are not watched (a watcher is an
    /// inotify instance and a thread: ~1 MiB of idle RSS, and containers run out of inotify instances) unless the
    /// command line or <c>DOTNET_hostBuilder__reloadConfigOnChange</c> (or its <c>ASPNETCORE_</c> twin) asks for it.
    /// </summary>
    internal static string[] WithoutConfigurationWatch(string[] args)
    {
        // The host matches environment names without regard to case, so this does too.
        if (Environment.GetEnvironmentVariables().Keys.OfType<string>().Any(static name =>
                name.Equals("DOTNET_hostBuilder__reloadConfigOnChange", StringComparison.OrdinalIgnoreCase)
                || name.Equals("ASPNETCORE_hostBuilder__reloadConfigOnChange", StringComparison.OrdinalIgnoreCase))
            || args.Any(a => a.Contains(ReloadConfigOnChangeKey, StringComparison.OrdinalIgnoreCase)))
        {
            return args;
        }

        return [.. args, "--" + ReloadConfigOnChangeKey + "=false"];
    }

    /// <summary>The logging category whose enablement makes ASP.NET Core start an <c>Activity</c> per request.</summary>
    internal const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>
    /// ASP.NET Core starts an <c>Activity</c> and a logging scope for every request whenever its hosting logger is enabled
    /// at any level (it is, at Critical, under any usual filter), and the upstream call then starts a child Activity and
    /// writes <c>traceparent</c>: ~1.3 KB of allocation and 10–20 µs of CPU per request, for trace ids that nothing here
    /// reads. That category logs only the per-request lines (Information and Debug) and start-up failures, which the host
    /// reports again when it stops; so it is off unless the configuration names it. A tracing listener
    /// (OpenTelemetry) still gets its Activities: ASP.NET starts them for any listener.
    /// </summary>
    private static void SuppressRequestActivity(WebApplicationBuilder builder)
    {
        if (builder.Configuration.GetSection("Logging:LogLevel:" + HostingDiagnosticsCategory).Value is null)
        {
            builder.Logging.AddFilter(HostingDiagnosticsCategory, LogLevel.None);
        }
    }

    /// <summary>
    /// Builds the gateway; <paramref name="configure"/> may add configuration (tests use it). <paramref name="ownsProcess"/>
    /// is true only for the gateway's own <c>Program</c>: process-wide runtime switches are set only then.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null, bool ownsProcess = false)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = WithoutConfigurationWatch(args) });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        configure?.Invoke(builder);

        var configuration = builder.Configuration;
        SuppressRequestActivity(builder);
        if (string.IsNullOrEmpty(configuration["urls"]) && string.IsNullOrEmpty(configuration["http_ports"]) && string.IsNullOrEmpty(configuration["https_ports"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        var initial = configuration.GetSection(GatewayOptions.SectionName).Get<GatewayOptions>() ?? new GatewayOptions();
        if (InlineIo.IsEnabled(configuration, initial))
        {
            InlineIo.Apply(builder, ownsProcess);
        }

        if (initial.Embedded.Simulator ?? initial.Providers.Count == 0)
        {
            var simulator = await EmbeddedSimulator.StartAsync(builder, initial.Embedded.FixturesPath);
            builder.Services.AddSingleton<IHostedService>(simulator);
        }

        // With an external Redis (production) keys come from it; an invented, unmetered key would be a back door. Only
        // the embedded default invents one, unless the developer names it with MASSROUTER_DEV_KEY.
        var keysFromRedisOnly = false;
        if (initial.ApiKeys.Count == 0)
        {
            var devKey = Environment.GetEnvironmentVariable("MASSROUTER_DEV_KEY");
            if (string.IsNullOrEmpty(devKey) && string.IsNullOrWhiteSpace(configuration[MeteringOptions.RedisConnectionKey]))
            {
                devKey = "sk-mr-dev-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            }

            if (string.IsNullOrEmpty(devKey))
            {
                keysFromRedisOnly = true;
            }
            else
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["MassRouter:ApiKeys:0:Key"] = devKey });

                // Printed once, on purpose: the embedded default is for a developer's own machine.
                Console.WriteLine($"MassRouter development API key: {devKey}");
            }
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = initial.MaxRequestBodyBytes + 1;
        });

        var services = builder.Services;
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddHttpForwarder();
        if (MassRouter.ControlApi.Telemetry.OtlpTracing.IsEnabled(initial.Tracing))
        {
            MassRouter.ControlApi.Telemetry.OtlpTracing.Add(services, initial.Tracing, "massrouter-gateway", GatewayTracing.SourceName);
        }
        builder.AddMetering();
        if (MeteringOptions.IsEnabled(configuration))
        {
            // Before the embedded control API's start-up, which publishes the catalog this loads.
            services.AddSingleton<RedisCatalog>();
            services.AddHostedService(sp => sp.GetRequiredService<RedisCatalog>());
        }

        var controlApi = EmbeddedControlApi.IsEnabled(configuration, initial);
        if (controlApi)
        {
            EmbeddedControlApi.Add(builder, initial);
        }

        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddSingleton<ModelCatalog>();
        // One registry per host: tests run several gateways in one process, and the process-wide default registry would
        // also switch on prometheus-net's Meters adapter, which costs allocations on every Kestrel request.
        var registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(registry);
        services.AddSingleton(registry);
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<CircuitBreakers>();
        services.AddSingleton<ShutdownDrain>();
        services.AddSingleton<ChatPipeline>();
        services.AddSingleton(sp =>
        {
            var spinner = new WakeSpinner(sp.GetRequiredService<IOptions<GatewayOptions>>(), sp.GetRequiredService<ILogger<WakeSpinner>>());
            GatewayMetrics.Register(sp.GetRequiredService<CollectorRegistry>(), spinner);
            return spinner;
        });
        // Kestrel's buffers from pools the idle trim can empty (Kestrel registers its own factory first; the last wins).
        services.AddSingleton<TrimmableMemoryPoolFactory>();
        services.AddSingleton<Microsoft.AspNetCore.Connections.IMemoryPoolFactory<byte>>(sp => sp.GetRequiredService<TrimmableMemoryPoolFactory>());
        services.AddHostedService<IdleHeapTrimmer>();
        // Shared through an external Redis; the embedded default is one process, and its Garnet's small memory budget is
        // for money (it evicts at its ceiling), not for 30 days of response ids.
        if (MeteringOptions.IsEnabled(configuration) && !MeteringOptions.UsesEmbeddedGarnet(configuration))
        {
            services.AddSingleton<IStoredResponseIndex, RedisStoredResponseIndex>();
        }
        else
        {
            services.AddSingleton<IStoredResponseIndex>(_ => new LocalStoredResponseIndex(TimeProvider.System));
        }

        // The response cache: a dedicated Redis when named (shared by the instances; never the metering one, which must
        // not evict), else the process's memory.
        if (initial.Cache.Redis is { Length: > 0 } cacheRedis)
        {
            services.AddSingleton<IResponseCache>(sp => new RedisResponseCache(
                RedisConnection.Connect(cacheRedis, TimeSpan.FromSeconds(1)), sp.GetRequiredService<ILogger<RedisResponseCache>>()));
        }
        else
        {
            services.AddSingleton<IResponseCache>(_ => new LocalResponseCache(initial.Cache.LocalMaxBytes));
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ResponseCaching>();
        services.AddSingleton<StoredResponsesHandler>();
        services.AddSingleton<ChatCompletionsHandler>();
        services.AddSingleton<MessagesHandler>();
        services.AddSingleton<CountTokensHandler>();

        if (initial.AccessLog.Enabled)
        {
            // Before the drain below: hosted services stop in reverse order, so the log outlives the requests it records.
            services.AddSingleton<AccessLog>();
            services.AddHostedService(sp => sp.GetRequiredService<AccessLog>());
        }

        // Registered last, so its StoppingAsync (the shutdown delay) runs before any other service's.
        services.AddHostedService(sp => sp.GetRequiredService<ShutdownDrain>());

        // Kestrel waits for in-flight requests until the host's shutdown timeout: leave room for the delay and the drain.
        // A delay out of range fails validation at start, with a message; it must not fail here first.
        var shutdownDelay = GatewayOptionsValidator.IsValidShutdownDelay(initial.Resilience.ShutdownDelay) ? initial.Resilience.ShutdownDelay : TimeSpan.Zero;
        services.Configure<HostOptions>(host => host.ShutdownTimeout = shutdownDelay + initial.Resilience.DrainTimeout + TimeSpan.FromSeconds(5));

        var app = builder.Build();
        var handler = app.Services.GetRequiredService<ChatCompletionsHandler>();
        if (app.Services.GetService<AccessLog>() is { } accessLog)
        {
            app.Use(accessLog.InvokeAsync);
        }

        if (app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.Cors is { Enabled: true } cors)
        {
            app.Use(new CrossOriginRequests(cors).InvokeAsync);
        }

        app.MapPost("/v1/chat/completions", (RequestDelegate)handler.HandleAsync);
        app.MapPost("/v1/embeddings", (RequestDelegate)handler.HandleEmbeddingsAsync);
        app.MapPost("/v1/completions", (RequestDelegate)handler.HandleCompletionsAsync);
        app.MapPost("/v1/moderations", (RequestDelegate)handler.HandleModerationsAsync);
        app.MapPost("/v1/responses", (RequestDelegate)handler.HandleResponsesAsync);
        app.MapPost("/v1/responses/input_tokens", (RequestDelegate)handler.HandleInputTokensAsync);
        app.MapPost("/v1/responses/compact", (RequestDelegate)handler.HandleCompactAsync);
        var storedResponses = app.Services.GetRequiredService<StoredResponsesHandler>();
        app.MapGet("/v1/responses/{id}", (RequestDelegate)storedResponses.RetrieveAsync);
        app.MapDelete("/v1/responses/{id}", (RequestDelegate)storedResponses.DeleteAsync);
        app.MapPost("/v1/responses/{id}/cancel", (RequestDelegate)storedResponses.CancelAsync);
        app.MapGet("/v1/responses/{id}/input_items", (RequestDelegate)storedResponses.InputItemsAsync);
        app.MapPost("/v1/conversations", (RequestDelegate)storedResponses.CreateConversationAsync);
        app.MapMethods("/v1/conversations/{id}", ["GET", "POST", "DELETE"], (RequestDelegate)storedResponses.ConversationAsync);
        app.MapMethods("/v1/conversations/{id}/items", ["GET", "POST"], (RequestDelegate)storedResponses.ConversationItemsAsync);
        app.MapMethods("/v1/conversations/{id}/items/{itemId}", ["GET", "DELETE"], (RequestDelegate)storedResponses.ConversationItemAsync);
        app.MapPost("/v1/messages", (RequestDelegate)app.Services.GetRequiredService<MessagesHandler>().HandleAsync);
        app.MapPost("/v1/messages/count_tokens", (RequestDelegate)app.Services.GetRequiredService<CountTokensHandler>().HandleAsync);
        app.MapModels();
        app.MapKeyInfo();
        app.MapHealth();
        app.MapIndex(besideControlApi: controlApi);
        // Scrapes are GETs; without method metadata the exporter would answer any method.
        app.MapMetrics("/metrics", registry).WithMetadata(new HttpMethodMetadata(HealthApi.Methods));
        app.MapFallbacks(besideControlApi: controlApi);
        if (controlApi)
        {
            EmbeddedControlApi.Map(app);
        }

        app.Lifetime.ApplicationStarted.Register(() => LogStartup(app, keysFromRedisOnly));
        return app;
    }

    private static void LogStartup(WebApplication app, bool keysFromRedisOnly)
    {
        var catalog = app.Services.GetRequiredService<ModelCatalog>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MassRouter.Gateway");
        var urls = string.Join(", ", app.Urls);
        var modelIds = string.Join(", ", catalog.Models.Select(m => m.Id));
        logger.LogInformation(
            "MassRouter gateway listening on {Urls} with {Models} model(s): {ModelIds}", urls, catalog.Models.Count, modelIds);
        if (keysFromRedisOnly)
        {
            logger.LogInformation(
                "No MassRouter:ApiKeys configured and MassRouter:Redis is set: API keys come from Redis only (no development key; set MASSROUTER_DEV_KEY for one)");
        }
    }
}
