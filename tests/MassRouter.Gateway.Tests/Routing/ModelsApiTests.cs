using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Forwarding;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Routing;

[Collection(GatewayCollection.Name)]
public class ModelsApiTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Models_ListsWhatTheKeyMayUse()
    {
        Assert.Equal(
            ["test/azure", "test/claude", "test/dead", "test/gpt", "test/impatient", "test/other", "test/responses", "test/responses-mixed", "test/responses-pair"],
            await ListAsync(GatewayFixture.Key));
        Assert.Equal(["test/gpt"], await ListAsync(GatewayFixture.LimitedKey));
    }

    [Fact]
    public async Task Models_RequireAKey()
    {
        using var response = await gateway.Http.GetAsync(new Uri(gateway.GatewayAddress, "v1/models"));
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SingleModel_IsRetrievable_WithSlashInId()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.GatewayAddress, "v1/models/test/gpt"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayFixture.Key);
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("test/gpt", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenAISdk_RetrievesAModelWhoseIdHasASlash()
    {
        var client = new OpenAI.OpenAIClient(new System.ClientModel.ApiKeyCredential(GatewayFixture.Key), new OpenAI.OpenAIClientOptions { Endpoint = new Uri(gateway.GatewayAddress, "v1") });
        var model = await client.GetOpenAIModelClient().GetModelAsync("test/gpt");
        Assert.Equal("test/gpt", model.Value.Id);
    }

    [Theory]
    [InlineData("v1/models", HttpStatusCode.OK)]
    [InlineData("v1/models/test/gpt", HttpStatusCode.OK)]
    [InlineData("v1/models/test/unknown", HttpStatusCode.NotFound)]
    public async Task Head_AnswersLikeGet_WithoutABody(string path, HttpStatusCode status)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, new Uri(gateway.GatewayAddress, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayFixture.Key);
        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.Contains("x-request-id"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("DELETE")]
    public async Task OtherMethods_AreNotAllowed_NamingGetAndHead(string method)
    {
        using var response = await gateway.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(gateway.GatewayAddress, "v1/models")));

        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow);
    }

    private async Task<string[]> ListAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.GatewayAddress, "v1/models"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var list = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("list", list["object"]!.GetValue<string>());
        return list["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).ToArray();
    }
}
