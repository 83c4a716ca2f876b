namespace MassRouter.Core.Telemetry;

/// <summary>
/// Distributed tracing (OpenTelemetry, exported over OTLP), bound from <c>MassRouter:Tracing</c> (the gateway) or
/// <c>ControlApi:Tracing</c> (the control API). Off unless an endpoint is configured here or in the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> / <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> environment variables.
/// </summary>
public sealed class TracingOptions
{
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

    /// <summary>The <c>service.name</c> of the spans; empty: the service's own (<c>massrouter-gateway</c>, <c>massrouter-control-api</c>).</summary>
    public string ServiceName { get; set; } = "";

    /// <summary>Adds a message naming the setting (under <paramref name="section"/>) to <paramref name="failures"/> for each one that is wrong.</summary>
    public void Validate(string section, List<string> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        if (OtlpEndpoint is { Length: > 0 } endpoint
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{section}:OtlpEndpoint '{endpoint}' must be an absolute http(s) URL (the collector's, e.g. http://localhost:4318).");
        }

        if (Protocol is not ("http/protobuf" or "grpc"))
        {
            failures.Add($"{section}:Protocol '{Protocol}' is not supported (http/protobuf or grpc).");
        }

        if (SampleRatio is not (>= 0 and <= 1))
        {
            failures.Add($"{section}:SampleRatio must be between 0 and 1.");
        }
    }
}
