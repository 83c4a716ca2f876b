namespace MassRouter.Gateway.Telemetry;

/// <summary>
/// Distributed tracing (OpenTelemetry, exported over OTLP), bound from <c>MassRouter:Tracing</c>. Off unless an endpoint
/// is configured here or in the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> / <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>
/// environment variables.
/// </summary>
public sealed class TracingOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "MassRouter:Tracing";

    /// <summary>
    /// The collector's base address, as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> takes it (<c>http://collector:4318</c>; spans go
    /// to its <c>/v1/traces</c>), or with <see cref="Protocol"/> <c>grpc</c> its gRPC address (<c>http://collector:4317</c>).
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>http/protobuf</c> (the default) or <c>grpc</c>.</summary>
    public string Protocol { get; set; } = "http/protobuf";

    /// <summary>
    /// Headers sent with every export (a vendor's API key: <c>x-honeycomb-team</c>, <c>Authorization</c>); never logged.
    /// </summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The share of traces started here that are recorded, 0 to 1; a request carrying a <c>traceparent</c> follows its
    /// caller's sampling decision instead.
    /// </summary>
    public double SampleRatio { get; set; } = 1.0;

    /// <summary>The <c>service.name</c> of the spans.</summary>
    public string ServiceName { get; set; } = "massrouter-gateway";
}
