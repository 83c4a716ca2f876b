using MassRouter.Core.Telemetry;
using Npgsql;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MassRouter.ControlApi.Telemetry;

/// <summary>
/// Registers OpenTelemetry tracing for a MassRouter service when an OTLP endpoint is configured (<see cref="TracingOptions"/>):
/// ASP.NET Core's server span per request (probes and scrapes left out), outgoing HTTP requests, PostgreSQL commands
/// (Npgsql) and the service's own sources, exported in batches. Kept apart so that a service without tracing never
/// loads OpenTelemetry's assemblies. Used by the control API and by the gateway.
/// </summary>
public static class OtlpTracing
{
    /// <summary>Whether tracing is on: an endpoint in <paramref name="options"/> or in OTLP's standard environment variables.</summary>
    public static bool IsEnabled(TracingOptions options) =>
        !string.IsNullOrWhiteSpace(options?.OtlpEndpoint)
        || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"))
        || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));

    /// <summary>Adds tracing as <paramref name="options"/> say, as <paramref name="serviceName"/> unless they name one, listening to <paramref name="sources"/> too.</summary>
    public static void Add(IServiceCollection services, TracingOptions options, string serviceName, params string[] sources)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                options.ServiceName.Length > 0 ? options.ServiceName : serviceName, serviceVersion: typeof(OtlpTracing).Assembly.GetName().Version?.ToString()))
            .WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.SampleRatio)))
                .AddSource(sources)
                .AddAspNetCoreInstrumentation(aspNet => aspNet.Filter = static context => IsTraced(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddOtlpExporter(exporter => Configure(exporter, options)));
    }

    /// <summary>Probes and scrapes (every few seconds, from every load balancer and Prometheus) are not worth a span.</summary>
    public static bool IsTraced(PathString path) =>
        !(path.Equals("/healthz") || path.Equals("/readyz") || path.Equals("/metrics") || path.StartsWithSegments("/control"));

    /// <summary>The endpoint spans are sent to: an http/protobuf base address gets OTLP's <c>/v1/traces</c>, as from the environment.</summary>
    public static Uri ExportUri(string endpoint, string protocol)
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
