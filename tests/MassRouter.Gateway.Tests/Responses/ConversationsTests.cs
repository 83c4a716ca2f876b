using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Forwarding;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Responses;

/// <summary>
/// OpenAI's Conversations API through the gateway: a conversation is created on a provider serving the Responses API
/// (the one the <c>x-massrouter-provider</c> header names, or the first the key reaches), managed there through the
/// gateway, and a Responses request continuing it goes to that provider — for the account that created it only.
/// </summary>
[Collection(GatewayCollection.Name)]
public class ConversationsTests(GatewayFixture gateway)
{
    [Fact]
    public async Task AConversation_IsCreatedManagedAndDeleted_ThroughTheGateway()
    {
        using var created = await SendAsync(HttpMethod.Post, "v1/conversations", """{"items":[{"type":"message","role":"user","content":"Hello"}],"metadata":{"topic":"demo"}}""");
        var conversation = await OkAsync(created);
        var id = (string)conversation["id"]!;
        Assert.StartsWith("conv_", id, StringComparison.Ordinal);
        Assert.Equal("demo", (string?)conversation["metadata"]!["topic"]);
        Assert.Equal("sim-responses", created.Headers.GetValues("x-massrouter-provider").Single());

        using var retrieved = await SendAsync(HttpMethod.Get, $"v1/conversations/{id}");
        Assert.Equal(id, (string?)(await OkAsync(retrieved))["id"]);

        using var updated = await SendAsync(HttpMethod.Post, $"v1/conversations/{id}", """{"metadata":{"topic":"gateways"}}""");
        Assert.Equal("gateways", (string?)(await OkAsync(updated))["metadata"]!["topic"]);

        using var added = await SendAsync(HttpMethod.Post, $"v1/conversations/{id}/items", """{"items":[{"type":"message","role":"assistant","content":"Hi there"}]}""");
        var itemId = (string)(await OkAsync(added))["data"]![0]!["id"]!;

        using var listed = await SendAsync(HttpMethod.Get, $"v1/conversations/{id}/items?order=asc");
        var items = (await OkAsync(listed))["data"]!.AsArray();
        Assert.Equal(2, items.Count);
        Assert.Equal(itemId, (string?)items[1]!["id"]);

        using var item = await SendAsync(HttpMethod.Get, $"v1/conversations/{id}/items/{itemId}");
        Assert.Equal("assistant", (string?)(await OkAsync(item))["role"]);
        using var itemDeleted = await SendAsync(HttpMethod.Delete, $"v1/conversations/{id}/items/{itemId}");
        await OkAsync(itemDeleted);

        using var deleted = await SendAsync(HttpMethod.Delete, $"v1/conversations/{id}");
        Assert.True((bool)(await OkAsync(deleted))["deleted"]!);

        // Forgotten by the gateway: it answers itself.
        using var gone = await SendAsync(HttpMethod.Get, $"v1/conversations/{id}");
        await OpenAIErrorAssert.IsErrorAsync(gone, HttpStatusCode.NotFound, code: "conversation_not_found");

        // What an SRE sees: the calls relayed, by object, provider and status class.
        var metrics = await gateway.Http.GetStringAsync(new Uri(gateway.GatewayAddress, "metrics"));
        Assert.Contains("massrouter_stored_state_requests_total{object=\"conversation\",provider=\"sim-responses\",status_class=\"2xx\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("massrouter_rejected_requests_total{code=\"conversation_not_found\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AResponseInAConversation_GoesToTheProviderHoldingIt()
    {
        using var created = await SendAsync(HttpMethod.Post, "v1/conversations", "{}");
        var id = (string)(await OkAsync(created))["id"]!;

        // test/responses-pair tries sim-responses-b first; the conversation is on sim-responses.
        using var answered = await gateway.Http.SendAsync(gateway.JsonPost(
            "v1/responses", $$"""{"model":"test/responses-pair","input":"Hi","conversation":"{{id}}"}"""));
        var response = await OkAsync(answered);
        Assert.Equal("sim-responses-upstream", (string?)response["model"]);
        Assert.Equal(id, (string?)response["conversation"]!["id"]);

        using var items = await SendAsync(HttpMethod.Get, $"v1/conversations/{id}/items");
        Assert.Equal(2, (await OkAsync(items))["data"]!.AsArray().Count);
    }

    [Fact]
    public async Task TheProviderHeader_ChoosesWhereAConversationIsCreated()
    {
        using var created = await SendAsync(HttpMethod.Post, "v1/conversations", "{}", headers: [("x-massrouter-provider", "sim-responses-b")]);
        var id = (string)(await OkAsync(created))["id"]!;
        Assert.Equal("sim-responses-b", created.Headers.GetValues("x-massrouter-provider").Single());

        using var answered = await gateway.Http.SendAsync(gateway.JsonPost(
            "v1/responses", $$$"""{"model":"test/responses-pair","input":"Hi","conversation":{"id":"{{{id}}}"},"provider":{"order":["sim-responses"]}}"""));
        Assert.Equal("sim-responses-b-upstream", (string?)(await OkAsync(answered))["model"]);

        using var unknown = await SendAsync(HttpMethod.Post, "v1/conversations", "{}", headers: [("x-massrouter-provider", "sim")]);
        await OpenAIErrorAssert.IsErrorAsync(unknown, HttpStatusCode.BadRequest, code: "no_conversations_provider");
        using var limited = await SendAsync(HttpMethod.Post, "v1/conversations", "{}", key: GatewayFixture.LimitedKey);
        await OpenAIErrorAssert.IsErrorAsync(limited, HttpStatusCode.BadRequest, code: "no_conversations_provider");
    }

    [Fact]
    public async Task AnotherOwnersConversation_CannotBeReadOrContinued()
    {
        using var created = await SendAsync(HttpMethod.Post, "v1/conversations", "{}");
        var id = (string)(await OkAsync(created))["id"]!;

        using var read = await SendAsync(HttpMethod.Get, $"v1/conversations/{id}/items", key: GatewayFixture.OtherKey);
        var tag = Guid.NewGuid().ToString("N");
        using var continued = await gateway.Http.SendAsync(gateway.JsonPost(
            "v1/responses", $$"""{"model":"test/responses","input":"Hi","conversation":"{{id}}"}""", GatewayFixture.OtherKey, ("x-sim-request-id", tag)));

        await OpenAIErrorAssert.IsErrorAsync(read, HttpStatusCode.NotFound, code: "conversation_not_found");
        await OpenAIErrorAssert.IsErrorAsync(continued, HttpStatusCode.NotFound, code: "conversation_not_found");
        using var recorded = await gateway.Http.GetAsync(new Uri(gateway.SimulatorAddress, $"sim/requests/{tag}"));
        Assert.Equal(HttpStatusCode.NotFound, recorded.StatusCode);
    }

    [Fact]
    public async Task ConversationRoutes_AnswerOtherMethodsWith405()
    {
        using var list = await SendAsync(HttpMethod.Get, "v1/conversations");
        using var put = await SendAsync(HttpMethod.Put, "v1/conversations/conv_1", "{}");

        await OpenAIErrorAssert.IsErrorAsync(list, HttpStatusCode.MethodNotAllowed, code: "method_not_allowed");
        await OpenAIErrorAssert.IsErrorAsync(put, HttpStatusCode.MethodNotAllowed, code: "method_not_allowed");
        Assert.Equal(["GET", "POST", "DELETE"], put.Content.Headers.Allow);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null, string key = GatewayFixture.Key, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, new Uri(gateway.GatewayAddress, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await gateway.Http.SendAsync(request);
    }

    private static async Task<JsonNode> OkAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }
}
