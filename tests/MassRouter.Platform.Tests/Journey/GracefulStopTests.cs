using System.Net.Http.Headers;
using System.Text;
using MassRouter.ControlApi.Auth;
using MassRouter.ControlApi.Billing;
using MassRouter.ControlApi.Keys;
using MassRouter.ControlApi.Ledger;
using MassRouter.Gateway;

namespace MassRouter.Platform.Tests.Journey;

/// <summary>
/// The embedded default's Garnet keeps nothing across a restart: what the gateway settled into it before a graceful stop
/// must reach the SQLite ledger before the process ends.
/// </summary>
public class GracefulStopTests
{
    private const string Password = "correct-horse-battery";

    [Fact]
    public async Task EmbeddedDefault_GracefulStop_BillsTheLastRequest_AndTheStreamTheDrainCutShort()
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "mr-stop-" + Guid.NewGuid().ToString("N"));
        string[] args =
        [
            "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--MassRouter:Embedded:DataPath=" + dataPath,
            "--ControlApi:Auth:PasswordIterations=1000",
            // No periodic pass after the first: only the last pass on stop can move this run's usage into the ledger.
            "--ControlApi:Ledger:PollInterval=01:00:00",
            "--MassRouter:Resilience:DrainTimeout=00:00:00.300",
        ];
        var email = $"stop-{Guid.NewGuid():N}@test.local";
        try
        {
            string completedText;
            int cutShortFrames;
            await using (var app = await GatewayHost.BuildAsync(args))
            {
                await app.StartAsync();
                var address = new Uri(app.Urls.First());
                using var control = await LogInAsync(address, email, register: true);
                await Expect.JsonAsync<PaymentView>(await control.PostAsJsonAsync("/api/billing/topups", new { amountUsd = 5m }), HttpStatusCode.Created);
                var key = await Expect.JsonAsync<CreatedKey>(await control.PostAsJsonAsync("/api/keys", new { name = "stop" }), HttpStatusCode.Created);

                using var gateway = new HttpClient { BaseAddress = address };
                gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Secret);
                using (var completed = await gateway.SendAsync(Chat(stream: false, tokens: 8)))
                {
                    Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
                    completedText = await completed.Content.ReadAsStringAsync();
                }

                // A stream that would run 20 s: the stop's drain (300 ms) ends it part-way.
                using var streaming = await gateway.SendAsync(Chat(stream: true, tokens: 100), HttpCompletionOption.ResponseHeadersRead);
                Assert.Equal(HttpStatusCode.OK, streaming.StatusCode);
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                using var sse = new StreamReader(await streaming.Content.ReadAsStreamAsync(deadline.Token));
                Assert.StartsWith("data: ", await sse.ReadLineAsync(deadline.Token), StringComparison.Ordinal);

                var stopping = app.StopAsync(deadline.Token);
                var rest = await sse.ReadToEndAsync(deadline.Token);
                await stopping;
                Assert.Contains("gateway_shutting_down", rest, StringComparison.Ordinal);
                cutShortFrames = rest.Split("\"content\":", StringSplitOptions.None).Length - 1;
            }

            Assert.Contains("\"usage\"", completedText, StringComparison.Ordinal);
            Assert.True(cutShortFrames < 100, "the drain ended the stream part-way");

            // A new process on the same data: a fresh Garnet, the ledger as the last one left it.
            await using (var app = await GatewayHost.BuildAsync(args))
            {
                await app.StartAsync();
                using var control = await LogInAsync(new Uri(app.Urls.First()), email, register: false);
                var report = (await control.GetFromJsonAsync<UsageReport>("/api/usage?groupBy=model"))!;
                Assert.Equal(2, report.Totals.Requests);
                Assert.True(report.Totals.CompletionTokens > 8, "the cut stream's delivered output is billed beside the completed answer");
                var balance = (await control.GetFromJsonAsync<BalanceView>("/api/billing/balance"))!;
                Assert.True(balance.UsageNanos > 0);
                Assert.Equal(report.Totals.CostNanos, balance.UsageNanos);
                Assert.Equal(balance.BalanceNanos, balance.WorkingBalanceNanos);
                await app.StopAsync();
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataPath, recursive: true);
        }
    }

    private static HttpRequestMessage Chat(bool stream, int tokens)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(
                $$"""{"model":"sim/openai","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Hello before the stop"}]}""",
                Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Add("x-sim-tokens", tokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("x-sim-ttft-ms", "0");
        request.Headers.Add("x-sim-itl-ms", stream ? "200" : "0");
        return request;
    }

    private static async Task<HttpClient> LogInAsync(Uri address, string email, bool register)
    {
        var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        if (register)
        {
            await Expect.StatusAsync(await http.PostAsJsonAsync("/api/auth/register", new { email, password = Password, displayName = "Stop" }), HttpStatusCode.Created);
        }

        var tokens = await Expect.JsonAsync<TokenResponse>(await http.PostAsJsonAsync("/api/auth/login", new { email, password = Password }));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        return http;
    }
}
