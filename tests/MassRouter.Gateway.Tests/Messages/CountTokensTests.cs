using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Anthropic.Models.Messages;
using MassRouter.Gateway.Tests.Forwarding;
using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Tests.Anthropic;

namespace MassRouter.Gateway.Tests.Messages;

/// <summary><c>POST /v1/messages/count_tokens</c>, which Claude Code calls every turn, with the official Anthropic SDK.</summary>
[Collection(GatewayCollection.Name)]
public class CountTokensTests(GatewayFixture gateway)
{
    [Fact]
    public async Task AnthropicDeployment_CountsWithTheProvider_ModelReplaced()
    {
        using var sdk = new AnthropicSdk(gateway.GatewayAddress, GatewayFixture.Key, strict: true, ("x-sim-request-id", "count-anthropic"));
        var count = await sdk.Client.Messages.CountTokens(new MessageCountTokensParams { Model = "test/claude", Messages = [new UserMessageParam("Hello, world")] });

        var received = await gateway.RecordedRequestAsync("count-anthropic");
        Assert.Equal("/v1/messages/count_tokens", received["path"]!.GetValue<string>());
        var body = received["body"]!.GetValue<string>();
        Assert.Equal("sim-claude-upstream", JsonNode.Parse(body)!["model"]!.GetValue<string>());
        Assert.Equal(GatewayFixture.UpstreamCredential, received["headers"]!["x-api-key"]!.GetValue<string>());

        // The simulator's count for what it received (a quarter of its bytes), relayed as it came.
        Assert.Equal(Encoding.UTF8.GetByteCount(body) / 4, count.InputTokens);
        var metrics = await gateway.Http.GetStringAsync(new Uri(gateway.GatewayAddress, "metrics"));
        Assert.Matches("massrouter_token_counts_total\\{model=\"test/claude\",source=\"provider\"\\} [1-9]", metrics);
    }

    [Fact]
    public async Task OtherDeployment_GetsTheGatewaysEstimate()
    {
        using var sdk = new AnthropicSdk(gateway.GatewayAddress, GatewayFixture.Key, strict: true, ("x-sim-request-id", "count-openai"));
        var count = await sdk.Client.Messages.CountTokens(new MessageCountTokensParams { Model = "test/gpt", Messages = [new UserMessageParam("Hello, world")] });

        // o200k: "user" 1 + "Hello, world" 3, plus 3 for the message and 3 to prime the reply.
        Assert.Equal(10, count.InputTokens);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => gateway.RecordedRequestAsync("count-openai"));
    }

    [Fact]
    public async Task Estimate_CountsSystemAndTools_AndAnImageAsAShare_NotItsBase64()
    {
        var image = Convert.ToBase64String(new byte[30_000]);
        var plain = await CountAsync("""{"model":"test/gpt","messages":[{"role":"user","content":"Hello, world"}]}""");
        var withSystemAndTool = await CountAsync("""
            {"model":"test/gpt","system":"You are terse.","tools":[{"name":"get_weather","description":"Weather of a city","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
             "messages":[{"role":"user","content":"Hello, world"}]}
            """);
        var withImage = await CountAsync($$$"""{"model":"test/gpt","messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"{{{image}}}"}},{"type":"text","text":"Hello, world"}]}]}""");

        Assert.Equal(10, plain);
        Assert.InRange(withSystemAndTool, plain + 10, plain + 40);
        Assert.InRange(withImage, plain + 1_600, plain + 1_610);
    }

    [Fact]
    public async Task ProviderThatCannotCount_GetsTheEstimateInstead()
    {
        using var sdk = new AnthropicSdk(gateway.GatewayAddress, GatewayFixture.Key, strict: true, ("x-sim-fault", "status:529"));
        var count = await sdk.Client.Messages.CountTokens(new MessageCountTokensParams { Model = "test/claude", Messages = [new UserMessageParam("Hello, world")] });

        Assert.Equal(10, count.InputTokens);
        var metrics = await gateway.Http.GetStringAsync(new Uri(gateway.GatewayAddress, "metrics"));
        Assert.Matches("massrouter_token_counts_total\\{model=\"test/claude\",source=\"estimate\"\\} [1-9]", metrics);
    }

    [Fact]
    public async Task GatewayRoutingFields_NeverReachTheProvider()
    {
        using var request = Request("""{"model":"test/claude","models":["test/gpt"],"provider":{"sort":"latency"},"messages":[{"role":"user","content":"hi"}]}""", ("x-sim-request-id", "count-routing-fields"));
        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = JsonNode.Parse((await gateway.RecordedRequestAsync("count-routing-fields"))["body"]!.GetValue<string>())!.AsObject();
        Assert.False(sent.ContainsKey("models"));
        Assert.False(sent.ContainsKey("provider"));
        Assert.Equal("sim-claude-upstream", sent["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task ProviderClientError_IsRelayed()
    {
        using var request = Request("""{"model":"test/claude","messages":[{"role":"user","content":"hi"}]}""", ("x-sim-fault", "status:400"));
        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid_request_error", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sk-wrong", """{"model":"test/gpt","messages":[]}""", HttpStatusCode.Unauthorized, "authentication_error")]
    [InlineData(GatewayFixture.Key, """{"model":"test/none","messages":[]}""", HttpStatusCode.NotFound, "not_found_error")]
    [InlineData(GatewayFixture.LimitedKey, """{"model":"test/claude","messages":[]}""", HttpStatusCode.Forbidden, "permission_error")]
    [InlineData(GatewayFixture.Key, """{"messages":[]}""", HttpStatusCode.BadRequest, "invalid_request_error")]
    public async Task BadRequests_GetAnthropicShapedErrors(string key, string body, HttpStatusCode status, string type)
    {
        using var request = Request(body, ("x-api-key", key));
        using var response = await gateway.Http.SendAsync(request);
        await AnthropicErrorAssert.IsErrorAsync(response, status, type);
    }

    private async Task<long> CountAsync(string body)
    {
        using var request = Request(body);
        using var response = await gateway.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!["input_tokens"]!.GetValue<long>();
    }

    private HttpRequestMessage Request(string body, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.GatewayAddress, "v1/messages/count_tokens?beta=true"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("anthropic-version", "2023-06-01");
        if (!headers.Any(h => h.Name == "x-api-key"))
        {
            request.Headers.Add("x-api-key", GatewayFixture.Key);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return request;
    }
}
