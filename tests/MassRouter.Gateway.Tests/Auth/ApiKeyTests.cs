using System.Net;
using MassRouter.Gateway.Tests.Forwarding;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Auth;

[Collection(GatewayCollection.Name)]
public class ApiKeyTests(GatewayFixture gateway)
{
    private const string Body = """{"model":"test/gpt","messages":[{"role":"user","content":"hi"}]}""";

    [Fact]
    public async Task MissingKey_Is401()
    {
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest(Body, key: null));
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.Unauthorized, "missing_api_key");
    }

    [Fact]
    public async Task WrongKey_Is401()
    {
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest(Body, key: "sk-test-full-accesX"));
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    [Fact]
    public async Task XApiKeyHeader_IsAccepted()
    {
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest(Body, key: null, ("x-api-key", GatewayFixture.Key)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task KeyConfiguredByHash_Works_AndIsLimitedToItsModels()
    {
        using var allowed = await gateway.Http.SendAsync(gateway.ChatRequest(Body, key: GatewayFixture.LimitedKey));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);

        using var denied = await gateway.Http.SendAsync(gateway.ChatRequest("""{"model":"test/other","messages":[]}""", key: GatewayFixture.LimitedKey));
        await OpenAIErrorAssert.IsErrorAsync(denied, HttpStatusCode.Forbidden, "model_not_allowed");
    }
}
