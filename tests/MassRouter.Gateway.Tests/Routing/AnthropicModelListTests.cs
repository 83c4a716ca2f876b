using System.Net;
using Anthropic;
using Anthropic.Exceptions;
using Anthropic.Models.Models;
using MassRouter.Gateway.Tests.Forwarding;
using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Tests.Anthropic;

namespace MassRouter.Gateway.Tests.Routing;

/// <summary><c>GET /v1/models</c> asked by the official Anthropic SDK (strict: every field checked against its model of the API).</summary>
[Collection(GatewayCollection.Name)]
public class AnthropicModelListTests(GatewayFixture gateway)
{
    private static readonly string[] All = ["test/azure", "test/claude", "test/dead", "test/gpt", "test/impatient", "test/other", "test/responses", "test/responses-mixed", "test/responses-pair"];

    [Fact]
    public async Task AnthropicSdk_ListsWhatTheKeyMayUse_InAnthropicsShape()
    {
        using var sdk = new AnthropicSdk(gateway.GatewayAddress, GatewayFixture.Key, strict: true);
        var page = await sdk.Client.Models.List();

        Assert.Equal(All, page.Items.Select(m => m.ID));
        var model = page.Items.Single(m => m.ID == "test/gpt");
        Assert.Equal("test/gpt", model.DisplayName);
        Assert.Equal(DateTimeOffset.UnixEpoch, model.CreatedAt);

        using var limited = new AnthropicSdk(gateway.GatewayAddress, GatewayFixture.LimitedKey, strict: true);
        Assert.Equal(["test/gpt"], (await limited.Client.Models.List()).Items.Select(m => m.ID));
    }

    [Fact]
    public async Task AnthropicSdk_PagesForwardAndBack()
    {
        using var sdk = new AnthropicSdk(gateway.GatewayAddress, GatewayFixture.Key, strict: true);
        var first = await sdk.Client.Models.List(new ModelListParams { Limit = 4 });
        Assert.Equal(All[..4], first.Items.Select(m => m.ID));

        var second = await sdk.Client.Models.List(new ModelListParams { Limit = 4, AfterID = "test/gpt" });
        Assert.Equal(All[4..8], second.Items.Select(m => m.ID));

        var back = await sdk.Client.Models.List(new ModelListParams { Limit = 2, BeforeID = "test/impatient" });
        Assert.Equal(["test/dead", "test/gpt"], back.Items.Select(m => m.ID));

        // Every page, walked by the SDK's own paging.
        var walked = new List<string>();
        await foreach (var model in (await sdk.Client.Models.List(new ModelListParams { Limit = 2 })).Paginate())
        {
            walked.Add(model.ID);
        }

        Assert.Equal(All, walked);
    }

    [Fact]
    public async Task AnthropicSdk_RetrievesOneModel_AndUnknownIsNotFound()
    {
        using var sdk = new AnthropicSdk(gateway.GatewayAddress, GatewayFixture.Key, strict: true);
        Assert.Equal("test/claude", (await sdk.Client.Models.Retrieve("test/claude")).ID);
        await Assert.ThrowsAsync<AnthropicNotFoundException>(() => sdk.Client.Models.Retrieve("test/none"));
    }

    [Fact]
    public async Task AnthropicClient_WithAWrongKey_Gets401_InAnthropicsShape()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.GatewayAddress, "v1/models"));
        request.Headers.Add("x-api-key", "sk-wrong");
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal("invalid x-api-key", await AnthropicErrorAssert.IsErrorAsync(response, HttpStatusCode.Unauthorized, "authentication_error"));
    }

    [Fact]
    public async Task LimitOutOfRange_Is400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.GatewayAddress, "v1/models?limit=0"));
        request.Headers.Add("x-api-key", GatewayFixture.Key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal("limit: Input should be an integer from 1 to 1000", await AnthropicErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest));
    }
}
