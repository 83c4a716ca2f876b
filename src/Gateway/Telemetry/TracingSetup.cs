using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MassRouter.Gateway.Telemetry;

/// <summary>
/// Registers OpenTelemetry tracing when an OTLP endpoint is configured: ASP.NET Core's server span per request (probes and
/// scrapes left out) and the gateway's own attempt spans (<see cref="GatewayTracing"/>), exported in batches. Kept apart
/// so that a gateway without tracing never loads OpenTelemetry's assemblies.
/// </summary>
internal static class TracingSetup
{
    /// <summary>Whether tracing is on: an endpoint in <paramref name="options"/> or in OTLP's standard environment variables.</summary>
    public static bool IsEnabled(TracingOptions options) =>
        !string.IsNullOrWhiteSpace(options.OtlpEndpoint)
        || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"))
        || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));

    public static void Add(IServiceCollection services, TracingOptions options)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                options.ServiceName, serviceVersion: typeof(TracingSetup).Assembly.GetName().Version?.ToString()))
            .WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.SampleRatio)))
                .AddSource(GatewayTracing.SourceName)
                .AddAspNetCoreInstrumentation(aspNet => aspNet.Filter = static context => IsTraced(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddOtlpExporter(exporter => Configure(exporter, options)));
    }

    /// <summary>Probes and scrapes (every few seconds, from every load balancer and Prometheus) are not worth a span.</summary>
    internal static bool IsTraced(PathString path) =>
        !(path.Equals("/healthz") || path.Equals("/readyz") || path.Equals("/metrics") || path.StartsWithSegments("/control"));

    /// <summary>The endpoint spans are sent to: an http/protobuf base address gets OTLP's <c>/v1/traces</c>, as from the environment.</summary>
    internal static Uri ExportUri(string endpoint, string protocol)
    {
        var uri = new Uri(endpoint);
        return protocol == "grpc" || uri.AbsolutePath.TrimEnd('/').Length > 0 ? uri : new Uri(uri, "/v1/traces");
    }

    private static void Configure(OtlpExporterOptions exporter, TracingOptions options)
    {
        if (options.OtlpEndpoint is { Length: > 0 } endpoint)
        {
            exporter.Protocol = options.Protocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
            exporter.Endpoint = ExportUri(endpoint, options.Protocol);
        }

        if (options.Headers.Count > 0)
        {
            exporter.Headers = string.Join(',', options.Headers.Select(static h => h.Key + "=" + h.Value));
        }
    }
}
