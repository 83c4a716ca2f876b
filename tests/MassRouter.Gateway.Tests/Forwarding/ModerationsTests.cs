using System.Net;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Forwarding;

/// <summary><c>POST /v1/moderations</c> through the gateway to OpenAI-compatible providers, with the official OpenAI SDK.</summary>
[Collection(GatewayCollection.Name)]
public class ModerationsTests(GatewayFixture gateway)
{
    [Fact]
    public async Task OfficialSdk_ClassifiesText_OneResultPerInput()
    {
        var client = gateway.ModerationClient("test/gpt");

        var single = (await client.ClassifyTextAsync("A calm afternoon by the river.")).Value;
        var batch = (await client.ClassifyTextAsync(["A calm afternoon.", "FLAGME now"])).Value;

        Assert.False(single.Flagged);
        Assert.Equal(2, batch.Count);
        Assert.False(batch[0].Flagged);
        Assert.True(batch[1].Flagged);
        Assert.True(batch[1].Violence.Flagged);
    }

    [Fact]
    public async Task Provider_GetsTheBodyAsSent_WithOnlyTheModelReplaced_AtItsModerationsPath()
    {
        var id = Guid.NewGuid().ToString("N");
        const string Body = """{"model":"test/gpt","input":[{"type":"text","text":"hello"},{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}""";
        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/moderations", Body, headers: ("x-sim-request-id", id)));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("sim", response.Headers.GetValues("x-massrouter-provider").Single());
        Assert.Single(JsonNode.Parse(text)!["results"]!.AsArray());
        var sent = await gateway.RecordedRequestAsync(id);
        Assert.Equal("/v1/moderations", (string?)sent["path"]);
        Assert.Equal(Body.Replace("\"test/gpt\"", "\"sim-upstream-model\"", StringComparison.Ordinal), (string?)sent["body"]);
        Assert.Equal("Bearer " + GatewayFixture.UpstreamCredential, (string?)sent["headers"]!["authorization"]);
    }

    [Theory]
    [InlineData("test/azure", "azure")]
    [InlineData("test/claude", "sim-anthropic")]
    public async Task ModelServedByAProviderWithoutAModerationsApi_Is400_BeforeAnyUpstreamCall(string model, string provider)
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/moderations", $$"""{"model":"{{model}}","input":"hello"}""", headers: ("x-sim-request-id", id)));

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, "moderations_not_supported");
        Assert.Equal("model", (string?)error["param"]);
        Assert.Contains(provider, (string?)error["message"], StringComparison.Ordinal);
        using var recorded = await gateway.Http.GetAsync(new Uri(gateway.SimulatorAddress, $"sim/requests/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, recorded.StatusCode);
    }

    [Theory]
    [InlineData("""{"input":"hello"}""", """{"model":"test/other","input":"hello"}""")]
    [InlineData(""" { "input" : "hi" } """, """ {"model":"test/other", "input" : "hi" } """)]
    [InlineData("""{"input":["hi"],"metadata":{"model":"nested"}}""", """{"model":"test/other","input":["hi"],"metadata":{"model":"nested"}}""")]
    public async Task WithoutAModel_GoesToTheDefaultModerationModel_InsertedIntoTheBody(string body, string expected)
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/moderations", body, headers: ("x-sim-request-id", id)));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("test/other", response.Headers.GetValues("x-massrouter-model").Single());
        Assert.Equal(expected, (string?)(await gateway.RecordedRequestAsync(id))["body"]);
    }

    [Fact]
    public async Task OfficialSdk_WithoutAModel_IsClassifiedByTheDefault()
    {
        // The .NET SDK always names a model; OpenAI's API (and the Python and JavaScript SDKs) let it be left out.
        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/moderations", """{"input":["A calm afternoon.","FLAGME now"]}"""));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var results = JsonNode.Parse(text)!["results"]!.AsArray();
        Assert.Equal([false, true], results.Select(r => (bool)r!["flagged"]!));
    }

    [Fact]
    public async Task WithoutAModel_ForAKeyNotAllowedTheDefault_Is403_NamingIt()
    {
        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/moderations", """{"input":"hello"}""", GatewayFixture.LimitedKey));

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.Forbidden, "model_not_allowed");
        Assert.Contains("test/other", (string?)error["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AModelOfTheWrongType_Is400_NotDefaulted()
    {
        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/moderations", """{"model":42,"input":"hello"}"""));

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, "invalid_type");
        Assert.Equal("model", (string?)error["param"]);
    }

    [Fact]
    public async Task AnEmptyModel_Is400_NotDefaulted()
    {
        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/moderations", """{"model":"","input":"hello"}"""));

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, "missing_required_parameter");
        Assert.Equal("model", (string?)error["param"]);
    }
}
