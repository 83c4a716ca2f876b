using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MassRouter.Core.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>The embedded default: no <c>MassRouter:Redis</c>, so the gateway meters against its own in-process Garnet.</summary>
public class EmbeddedGarnetTests
{
    [Fact]
    public async Task NoRedisConfigured_MetersAgainstTheEmbeddedGarnet()
    {
        var app = await GatewayHost.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning",
            "--MassRouter:ApiKeys:0:Key=sk-configured",
            // The gateway's own metering only: the control API would rewrite the seeded accounts from its database.
            "--MassRouter:Embedded:ControlApi=false",
            "--MassRouter:Seed:Accounts:0:Id=u_embedded", "--MassRouter:Seed:Accounts:0:Balance=1",
            "--MassRouter:Seed:Keys:0:Key=sk-embedded-metered", "--MassRouter:Seed:Keys:0:Account=u_embedded",
            "--MassRouter:Seed:Keys:0:Rpm=10",
            "--MassRouter:Metering:Prices:sim/openai:InputPerMillion=1", "--MassRouter:Metering:Prices:sim/openai:OutputPerMillion=2",
        ]);
        await using (app)
        {
            await app.StartAsync();
            var garnet = app.Services.GetRequiredService<Gateway.Redis.EmbeddedGarnet>();
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(app.Urls.First()), "v1/chat/completions"))
            {
                Content = new StringContent("""{"model":"sim/openai","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-embedded-metered");
            request.Headers.Add("x-sim-ttft-ms", "0");
            request.Headers.Add("x-sim-itl-ms", "0");
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("10", AdmissionTests.Header(response, "x-ratelimit-limit-requests"));

            using var redis = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
            await KeyTests.AssertEventuallyAsync(async () => await redis.GetDatabase().ListLengthAsync(RedisKeys.Outbox("u_embedded")) == 1, 5_000);
            var balance = (long)await redis.GetDatabase().HashGetAsync(RedisKeys.Account("u_embedded"), AccountFields.BalanceNanos);
            Assert.InRange(balance, 1, 999_999_999);

            // Its fill against its budget, for the dashboards (and the warnings well before Garnet drops records).
            var metrics = new Uri(new Uri(app.Urls.First()), "metrics");
            await KeyTests.AssertEventuallyAsync(async () => (await http.GetStringAsync(metrics)).Contains("massrouter_embedded_store_budget_bytes 2147483648", StringComparison.Ordinal), 5_000);
            Assert.Matches(@"(?m)^massrouter_embedded_store_bytes [1-9]", await http.GetStringAsync(metrics));
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task BadMeteringSetting_StopsStartUp_NamingIt()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = await GatewayHost.BuildAsync(
                ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--MassRouter:ApiKeys:0:Key=sk-x", "--MassRouter:Metering:Enabled=false", "--MassRouter:Metering:RedisTimeout=00:00:00"]);
            await app.StartAsync();
        });
        Assert.Contains("MassRouter:Metering:RedisTimeout", error.Message, StringComparison.Ordinal);
    }
}
