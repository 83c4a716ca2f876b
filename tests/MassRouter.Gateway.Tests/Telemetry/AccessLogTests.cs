using System.Net;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Telemetry;

/// <summary>The access log (<c>MassRouter:AccessLog</c>): a JSON line per <c>/v1</c> request, written to a file here.</summary>
[Collection(GatewayCollection.Name)]
public sealed class AccessLogTests(GatewayFixture gateway) : IAsyncLifetime
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "massrouter-access-" + Guid.NewGuid().ToString("N") + ".jsonl");
    private WebApplication _logged = null!;

    public async Task InitializeAsync()
    {
        _logged = await GatewayFixture.StartGatewayAsync(new Dictionary<string, string?>
        {
            ["MassRouter:Metering:Enabled"] = "false",
            ["MassRouter:ApiKeys:0:Key"] = GatewayFixture.Key,
            ["MassRouter:ApiKeys:0:Name"] = "tester",
            ["MassRouter:Providers:sim:BaseUrl"] = new Uri(gateway.SimulatorAddress, "v1").ToString(),
            ["MassRouter:Providers:sim:ApiKey"] = GatewayFixture.UpstreamCredential,
            ["MassRouter:Providers:dead:BaseUrl"] = "http://127.0.0.1:9/v1",
            ["MassRouter:Models:0:Id"] = "logged/gpt",
            ["MassRouter:Models:0:Deployments:0:Provider"] = "dead",
            ["MassRouter:Models:0:Deployments:1:Provider"] = "sim",
            ["MassRouter:Models:0:Deployments:1:Model"] = "sim-upstream-model",
            ["MassRouter:Models:0:Deployments:1:Price:InputPerMillion"] = "1",
            ["MassRouter:Models:0:Deployments:1:Price:OutputPerMillion"] = "2",
            ["MassRouter:Resilience:MaxAttempts"] = "3",
            ["MassRouter:AccessLog:Enabled"] = "true",
            ["MassRouter:AccessLog:Path"] = _path,
        });
    }

    public async Task DisposeAsync()
    {
        await GatewayFixture.StopAsync(_logged);
        File.Delete(_path);
    }

    [Fact]
    public async Task AnAnsweredStream_IsOneLine_WithWhoAskedWhoAnsweredAndWhatItUsed()
    {
        using var request = Post("v1/chat/completions", """{"model":"logged/gpt","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""", ("x-sim-tokens", "4"));
        using var response = await gateway.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = response.Headers.GetValues("x-request-id").Single();
        var usage = JsonNode.Parse(text.Split('\n').Last(l => l.StartsWith("data: {", StringComparison.Ordinal))["data: ".Length..])!["usage"]!;

        var line = await LineAsync(requestId);

        Assert.Equal("POST", (string?)line["method"]);
        Assert.Equal("/v1/chat/completions", (string?)line["path"]);
        Assert.Equal(200, (int)line["status"]!);
        Assert.True((double)line["duration_ms"]! > 0);
        Assert.True(DateTimeOffset.Parse((string)line["time"]!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Equal("chat_completions", (string?)line["api"]);
        Assert.NotNull((string?)line["key_id"]);
        Assert.Equal("logged/gpt", (string?)line["model"]);
        Assert.True((bool)line["stream"]!);
        Assert.Equal("sim", (string?)line["provider"]);
        Assert.Equal("sim-upstream-model", (string?)line["upstream_model"]);
        Assert.Equal(2, (int)line["attempts"]!);
        Assert.True((double)line["ttft_ms"]! <= (double)line["duration_ms"]!);
        Assert.Equal((long)usage["prompt_tokens"]!, (long)line["prompt_tokens"]!);
        Assert.Equal(4, (long)line["completion_tokens"]!);
        Assert.Equal(((long)usage["prompt_tokens"]! * 1m + 4 * 2m) / 1_000_000m, (decimal)line["cost_usd"]!);
        Assert.DoesNotContain(GatewayFixture.Key, line.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\"hi\"", line.ToJsonString(), StringComparison.Ordinal);
        Assert.Null(line["error"]);
    }

    [Fact]
    public async Task ARefusedRequest_IsLoggedWithItsStatus_AndProbesAreNot()
    {
        using var probe = await gateway.Http.GetAsync(new Uri(Address, "healthz"));
        using var request = Post("v1/chat/completions", """{"model":"logged/gpt","messages":[]}""");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "sk-wrong");
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var requestId = response.Headers.GetValues("x-request-id").Single();

        var line = await LineAsync(requestId);
        Assert.Equal(401, (int)line["status"]!);
        Assert.Equal("invalid_api_key", (string?)line["error"]);
        Assert.Null(line["key_id"]);
        Assert.Null(line["provider"]);
        Assert.DoesNotContain(File.ReadAllLines(_path), l => l.Contains("healthz", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnAnthropicShapedRefusal_CarriesItsErrorType()
    {
        using var request = Post("v1/messages", """{"model":"logged/nope","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""", ("anthropic-version", "2023-06-01"));
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        var line = await LineAsync(response.Headers.GetValues("x-request-id").Single());
        Assert.Equal(404, (int)line["status"]!);
        Assert.Equal("not_found_error", (string?)line["error"]);
    }

    [Fact]
    public async Task ACacheHit_IsLoggedAsSuch_AndFree()
    {
        var body = $$"""{"model":"logged/gpt","messages":[{"role":"user","content":"{{Guid.NewGuid():N}}"}]}""";
        string? hitId = null;
        foreach (var _ in Enumerable.Range(0, 2))
        {
            using var request = Post("v1/chat/completions", body, ("x-massrouter-cache-ttl", "60"));
            using var response = await gateway.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            hitId = response.Headers.GetValues("x-request-id").Single();
        }

        var line = await LineAsync(hitId!);
        Assert.Equal("hit", (string?)line["cache"]);
        Assert.Equal("cache", (string?)line["provider"]);
        Assert.Equal(0m, (decimal)line["cost_usd"]!);
    }

    private Uri Address => new(_logged.Urls.First());

    private HttpRequestMessage Post(string path, string body, params (string Name, string Value)[] headers)
    {
        var request = gateway.JsonPost(path, body, headers: headers);
        request.RequestUri = new Uri(Address, path);
        return request;
    }

    /// <summary>The line of <paramref name="requestId"/>, once written (the writer runs off the request path).</summary>
    private async Task<JsonNode> LineAsync(string requestId)
    {
        for (var i = 0; i < 100; i++)
        {
            if (File.Exists(_path))
            {
                using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(file);
                while (await reader.ReadLineAsync() is { } text)
                {
                    var line = JsonNode.Parse(text)!;
                    if ((string?)line["request_id"] == requestId)
                    {
                        return line;
                    }
                }
            }

            await Task.Delay(50);
        }

        throw new Xunit.Sdk.XunitException($"No access-log line for {requestId} in {_path}.");
    }
}
