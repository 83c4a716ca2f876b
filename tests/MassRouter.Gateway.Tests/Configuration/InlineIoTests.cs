using MassRouter.Gateway.Configuration;
using Microsoft.Extensions.Configuration;

namespace MassRouter.Gateway.Tests.Configuration;

public sealed class InlineIoTests
{
    [Fact]
    public void ExternalRedisAndConfiguredProviders_InlinesByDefault()
    {
        Assert.True(IsEnabled(new() { ["MassRouter:Redis"] = "127.0.0.1:6379", ["MassRouter:Providers:p:BaseUrl"] = "http://127.0.0.1:1/v1" }));
    }

    [Fact]
    public void MeteringOffAndConfiguredProviders_InlinesByDefault()
    {
        Assert.True(IsEnabled(new() { ["MassRouter:Metering:Enabled"] = "false", ["MassRouter:Providers:p:BaseUrl"] = "http://127.0.0.1:1/v1" }));
    }

    [Fact]
    public void EmbeddedGarnet_IsNeverInlinedByDefault()
    {
        // Metering on and no Redis configured: the embedded Garnet runs in this process.
        Assert.False(IsEnabled(new() { ["MassRouter:Providers:p:BaseUrl"] = "http://127.0.0.1:1/v1" }));
    }

    [Fact]
    public void EmbeddedSimulator_IsNeverInlinedByDefault()
    {
        Assert.False(IsEnabled(new() { ["MassRouter:Redis"] = "127.0.0.1:6379" }));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public void ExplicitSetting_Wins(string value, bool expected)
    {
        Assert.Equal(expected, IsEnabled(new() { ["MassRouter:InlineIo"] = value }));
        Assert.Equal(expected, IsEnabled(new() { ["MassRouter:InlineIo"] = value, ["MassRouter:Redis"] = "127.0.0.1:6379", ["MassRouter:Providers:p:BaseUrl"] = "http://127.0.0.1:1/v1" }));
    }

    private static bool IsEnabled(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = configuration.GetSection(GatewayOptions.SectionName).Get<GatewayOptions>() ?? new GatewayOptions();
        return InlineIo.IsEnabled(configuration, options);
    }
}
