using MassRouter.Gateway.Configuration;
using MassRouter.ControlApi.Telemetry;
using MassRouter.Core.Telemetry;

namespace MassRouter.Gateway.Tests.Telemetry;

public class TracingOptionsTests
{
    [Theory]
    [InlineData(null, "http/protobuf", 1.0, true)]
    [InlineData("http://collector:4318", "http/protobuf", 0.25, true)]
    [InlineData("https://otlp.example.com", "grpc", 0.0, true)]
    [InlineData("collector:4318", "http/protobuf", 1.0, false)]
    [InlineData("ftp://collector", "http/protobuf", 1.0, false)]
    [InlineData("http://collector:4318", "http/json", 1.0, false)]
    [InlineData("http://collector:4318", "grpc", 1.5, false)]
    [InlineData("http://collector:4318", "grpc", -0.1, false)]
    public void Validator_NamesAWrongSetting(string? endpoint, string protocol, double ratio, bool valid)
    {
        var options = new GatewayOptions { Tracing = new TracingOptions { OtlpEndpoint = endpoint, Protocol = protocol, SampleRatio = ratio } };

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("MassRouter:Tracing:", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("http://collector:4318", "http/protobuf", "http://collector:4318/v1/traces")]
    [InlineData("http://collector:4318/", "http/protobuf", "http://collector:4318/v1/traces")]
    [InlineData("https://api.vendor.io/otlp/v1/traces", "http/protobuf", "https://api.vendor.io/otlp/v1/traces")]
    [InlineData("http://collector:4317", "grpc", "http://collector:4317/")]
    public void ABaseAddress_GetsOtlpsTracesPath_AsFromTheEnvironment(string endpoint, string protocol, string expected) =>
        Assert.Equal(new Uri(expected), OtlpTracing.ExportUri(endpoint, protocol));

    [Theory]
    [InlineData("/v1/chat/completions", true)]
    [InlineData("/api/keys", true)]
    [InlineData("/healthz", false)]
    [InlineData("/readyz", false)]
    [InlineData("/metrics", false)]
    [InlineData("/control/metrics", false)]
    public void ProbesAndScrapes_AreLeftOut(string path, bool traced) =>
        Assert.Equal(traced, OtlpTracing.IsTraced(path));
}
