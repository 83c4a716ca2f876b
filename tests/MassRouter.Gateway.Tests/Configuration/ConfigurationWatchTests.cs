using Microsoft.Extensions.Configuration;

namespace MassRouter.Gateway.Tests.Configuration;

public sealed class ConfigurationWatchTests
{
    [Fact]
    public async Task TheAppSettingsFiles_AreReadOnce_NotWatched()
    {
        await using var app = await GatewayHost.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0", "--MassRouter:Metering:Enabled=false",
            "--MassRouter:Providers:p:BaseUrl=http://127.0.0.1:1/v1", "--MassRouter:ApiKeys:0:Key=sk-watch-test",
        ]);

        var files = ((IConfigurationRoot)app.Configuration).Providers.OfType<FileConfigurationProvider>().ToList();
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.False(f.Source.ReloadOnChange, f.Source.Path));
    }

    [Fact]
    public void AnExplicitSetting_IsLeftAsGiven()
    {
        string[] args = ["--hostBuilder:reloadConfigOnChange=true"];
        Assert.Same(args, GatewayHost.WithoutConfigurationWatch(args));
        Assert.Equal(["--x=1", "--hostBuilder:reloadConfigOnChange=false"], GatewayHost.WithoutConfigurationWatch(["--x=1"]));
    }

    [Fact]
    public void AnExplicitSettingInTheEnvironment_InAnyCase_IsLeftAsGiven()
    {
        // "false", the value this gateway would set anyway: harmless to hosts other tests build meanwhile.
        const string name = "DOTNET_HOSTBUILDER__RELOADCONFIGONCHANGE";
        Environment.SetEnvironmentVariable(name, "false");
        try
        {
            string[] args = ["--x=1"];
            Assert.Same(args, GatewayHost.WithoutConfigurationWatch(args));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }
}
