using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using MassRouter.Gateway;

namespace MassRouter.Platform.Tests.Journey;

/// <summary>
/// One process serves the gateway and the control API: a mistake on a control API path is answered by the control API
/// (routing's 405 and 415, a 404 as problem details), not taken for an unknown gateway URL.
/// </summary>
public class EmbeddedRoutingTests
{
    [Fact]
    public async Task EmbeddedDefault_ControlApiPaths_GetTheControlApisAnswers_GatewayPathsTheGateways()
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "mr-routing-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var app = await GatewayHost.BuildAsync(
                ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--MassRouter:Embedded:DataPath=" + dataPath]);
            await app.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

            using (var wrongMethod = await http.SendAsync(new HttpRequestMessage(HttpMethod.Patch, "api/keys")))
            {
                Assert.Equal("Method PATCH is not allowed on /api/keys; use GET, POST.", await IsProblemAsync(wrongMethod, HttpStatusCode.MethodNotAllowed));
                Assert.Equal(["GET", "POST"], wrongMethod.Content.Headers.Allow);
            }

            // A path with a route value: the methods of its endpoints.
            using (var wrongMethodOnOne = await http.PutAsync("api/keys/key_123", JsonContent.Create(new { })))
            {
                await IsProblemAsync(wrongMethodOnOne, HttpStatusCode.MethodNotAllowed);
                Assert.Contains("GET", wrongMethodOnOne.Content.Headers.Allow);
                Assert.DoesNotContain("PUT", wrongMethodOnOne.Content.Headers.Allow);
            }

            using (var wrongType = await http.PostAsync("api/keys", new StringContent("{}", Encoding.UTF8, "text/plain")))
            {
                await IsProblemAsync(wrongType, HttpStatusCode.UnsupportedMediaType);
            }

            using (var unknown = await http.GetAsync("api/nothing-here"))
            {
                await IsProblemAsync(unknown, HttpStatusCode.NotFound);
            }

            using (var metrics = await http.DeleteAsync("control/metrics"))
            {
                await IsProblemAsync(metrics, HttpStatusCode.MethodNotAllowed);
            }

            foreach (var path in (string[])["v1/nothing-here", "apis", "nothing"])
            {
                using var gateway = await http.GetAsync(path);
                Assert.Equal(HttpStatusCode.NotFound, gateway.StatusCode);
                var error = JsonNode.Parse(await gateway.Content.ReadAsStringAsync())!["error"]!;
                Assert.Equal("unknown_url", error["code"]!.GetValue<string>());
            }

            await app.StopAsync();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataPath, recursive: true);
        }
    }

    /// <summary>Returns the problem's detail.</summary>
    private static async Task<string?> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal(new MediaTypeHeaderValue("application/problem+json"), response.Content.Headers.ContentType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        return problem["detail"]?.GetValue<string>();
    }
}
