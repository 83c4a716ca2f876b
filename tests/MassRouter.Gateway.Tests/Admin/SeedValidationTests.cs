using MassRouter.Gateway.Admin;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Tests.Admin;

public class SeedValidationTests
{
    [Fact]
    public async Task SeedAmountBeyondNanoDollars_OrNegative_StopsStartUp_NamingTheSetting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = await GatewayHost.BuildAsync(
            [
                "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning",
                "--MassRouter:Redis=127.0.0.1:1,abortConnect=false,connectTimeout=100",
                "--MassRouter:Seed:Accounts:0:Id=u_1", "--MassRouter:Seed:Accounts:0:Balance=10000000000",
                "--MassRouter:Seed:Accounts:0:DailyCap=-1",
                "--MassRouter:Seed:Keys:0:Key=sk-seeded", "--MassRouter:Seed:Keys:0:Account=u_1", "--MassRouter:Seed:Keys:0:MonthlyCap=9300000000",
            ]);
            await app.StartAsync();
        });
        Assert.Contains("MassRouter:Seed:Accounts:0:Balance", error.Message, StringComparison.Ordinal);
        Assert.Contains("MassRouter:Seed:Accounts:0:DailyCap must not be negative", error.Message, StringComparison.Ordinal);
        Assert.Contains("MassRouter:Seed:Keys:0:MonthlyCap", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Keys:0:Account", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SeedAmountsUpToTheLimit_AreValid_AndConvertToNanoDollars()
    {
        var seed = new SeedOptions
        {
            Accounts = [new SeedAccountOptions { Id = "u_1", Balance = 9_223_372_036m, DailyCap = 0.000000001m }],
            Keys = [new SeedKeyOptions { KeyHash = new string('a', 64), Account = "u_1", MonthlyCap = 9_223_372_036m }],
        };
        Assert.True(new SeedOptionsValidator().Validate(null, seed).Succeeded);
        Assert.Equal(9_223_372_036_000_000_000, Core.Money.Nanos.FromDollars(seed.Accounts[0].Balance));
    }
}
