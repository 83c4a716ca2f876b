// The SDK marks its Responses client experimental; it is what OpenAI SDK users call.
#pragma warning disable OPENAI001
using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Forwarding;
using MassRouter.Gateway.Tests.Infrastructure;
using OpenAI.Responses;

namespace MassRouter.Gateway.Tests.Responses;

/// <summary>
/// Responses a provider serving the Responses API stored (<c>store</c> not false) through the gateway: retrieved, listed,
/// cancelled and deleted through it, and continued (<c>previous_response_id</c>) on the provider that stored them — for the
/// key's owner only. The simulator keeps stored responses as OpenAI does.
/// </summary>
[Collection(GatewayCollection.Name)]
public class StoredResponsesTests(GatewayFixture gateway)
{
    [Fact]
    public async Task AStoredResponse_IsRetrievedListedAndDeleted_ThroughTheGateway_WithTheOfficialSdk()
    {
        var client = gateway.ResponsesClient(("x-sim-tokens", "4"));
        var created = (await client.CreateResponseAsync("test/responses", "What is a gateway?")).Value;

        var retrieved = (await client.GetResponseAsync(created.Id)).Value;
        Assert.Equal(created.Id, retrieved.Id);
        Assert.Equal(created.GetOutputText(), retrieved.GetOutputText());
        Assert.Equal(4, retrieved.Usage.OutputTokenCount);

        var items = new List<ResponseItem>();
        await foreach (var item in client.GetResponseInputItemsAsync(created.Id))
        {
            items.Add(item);
        }

        var message = Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(items));
        Assert.Equal("What is a gateway?", message.Content.Single().Text);

        var deleted = (await client.DeleteResponseAsync(created.Id)).Value;
        Assert.True(deleted.Deleted);
        Assert.Equal(created.Id, deleted.ResponseId);

        // Forgotten by the gateway: it answers itself, without asking the provider.
        var gone = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(created.Id));
        Assert.Equal(404, gone.Status);
        Assert.Equal("response_not_found", (string?)JsonNode.Parse(gone.GetRawResponse()!.Content.ToString())!["error"]!["code"]);
    }

    [Fact]
    public async Task TheProviderIsAskedWithItsOwnCredential_AtItsResponsesUrl_WithTheClientsQuery()
    {
        var created = (await gateway.ResponsesClient(("x-sim-tokens", "2")).CreateResponseAsync("test/responses", "Hi")).Value;

        var id = Guid.NewGuid().ToString("N");
        using var request = Authorized(HttpMethod.Get, $"v1/responses/{created.Id}?include[]=message.output_text.logprobs", GatewayFixture.Key);
        request.Headers.Add("x-sim-request-id", id);
        using var response = await gateway.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal(created.Id, (string?)JsonNode.Parse(text)!["id"]);
        Assert.Equal("sim-responses", response.Headers.GetValues("x-massrouter-provider").Single());
        var recorded = await gateway.RecordedRequestAsync(id);
        Assert.Equal("GET", (string?)recorded["method"]);
        Assert.Equal($"/v1/responses/{created.Id}", (string?)recorded["path"]);
        Assert.Contains("include", (string?)recorded["query"], StringComparison.Ordinal);
        Assert.Equal("Bearer " + GatewayFixture.UpstreamCredential, (string?)recorded["headers"]!["authorization"]);
    }

    [Fact]
    public async Task AStreamedResponse_IsRetrievable()
    {
        ResponseResult? completed = null;
        await foreach (var update in await gateway.ResponsesClient(("x-sim-tokens", "3")).CreateResponseStreamingAsync("test/responses", "Hi"))
        {
            if (update is StreamingResponseCompletedUpdate done)
            {
                completed = done.Response;
            }
        }

        Assert.NotNull(completed);
        var retrieved = (await gateway.ResponsesClient().GetResponseAsync(completed.Id)).Value;
        Assert.Equal(completed.GetOutputText(), retrieved.GetOutputText());
    }

    [Fact]
    public async Task AResponseNotStored_IsNotFound_WithoutAskingTheProvider()
    {
        var created = (await gateway.ResponsesClient().CreateResponseAsync(new CreateResponseOptions("test/responses", [ResponseItem.CreateUserMessageItem("Hi")]) { StoredOutputEnabled = false })).Value;

        var id = Guid.NewGuid().ToString("N");
        using var request = Authorized(HttpMethod.Get, $"v1/responses/{created.Id}", GatewayFixture.Key);
        request.Headers.Add("x-sim-request-id", id);
        using var response = await gateway.Http.SendAsync(request);

        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.NotFound, code: "response_not_found");
        using var recorded = await gateway.Http.GetAsync(new Uri(gateway.SimulatorAddress, $"sim/requests/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, recorded.StatusCode);
    }

    [Fact]
    public async Task AnotherOwnersResponse_CannotBeRetrievedDeletedOrContinued()
    {
        var created = (await gateway.ResponsesClient().CreateResponseAsync("test/responses", "Mine")).Value;
        var other = gateway.ResponsesClient(GatewayFixture.OtherKey);

        var get = await Assert.ThrowsAsync<ClientResultException>(() => other.GetResponseAsync(created.Id));
        var delete = await Assert.ThrowsAsync<ClientResultException>(() => other.DeleteResponseAsync(created.Id));
        var id = Guid.NewGuid().ToString("N");
        using var continued = await gateway.Http.SendAsync(gateway.JsonPost(
            "v1/responses", $$"""{"model":"test/responses","input":"Go on","previous_response_id":"{{created.Id}}"}""", GatewayFixture.OtherKey, ("x-sim-request-id", id)));

        Assert.Equal(404, get.Status);
        Assert.Equal(404, delete.Status);
        await OpenAIErrorAssert.IsErrorAsync(continued, HttpStatusCode.BadRequest, code: "previous_response_not_found");
        using var recorded = await gateway.Http.GetAsync(new Uri(gateway.SimulatorAddress, $"sim/requests/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, recorded.StatusCode);

        // Still the owner's.
        Assert.Equal(created.Id, (await gateway.ResponsesClient().GetResponseAsync(created.Id)).Value.Id);
    }

    [Fact]
    public async Task AContinuation_GoesToTheProviderThatStoredTheResponse()
    {
        // Stored by the model's second provider; the first in its plan does not hold it.
        using var first = await gateway.Http.SendAsync(gateway.JsonPost(
            "v1/responses", """{"model":"test/responses-pair","input":"Remember 7","provider":{"only":["sim-responses"]}}"""));
        var stored = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        Assert.Equal("sim-responses-upstream", (string?)stored["model"]);

        var next = (await gateway.ResponsesClient().CreateResponseAsync("test/responses-pair", "What number?", previousResponseId: (string)stored["id"]!)).Value;

        Assert.Equal("sim-responses-upstream", next.Model);
        Assert.Equal((string?)stored["id"], next.PreviousResponseId);

        // Without a previous response the plan is the model's own: its first provider.
        Assert.Equal("sim-responses-b-upstream", (await gateway.ResponsesClient().CreateResponseAsync("test/responses-pair", "Hi")).Value.Model);
    }

    [Fact]
    public async Task ACountOfAContinuation_IsAskedOfTheProviderThatStoredTheResponse()
    {
        using var first = await gateway.Http.SendAsync(gateway.JsonPost(
            "v1/responses", """{"model":"test/responses-pair","input":"Remember 7","provider":{"only":["sim-responses"]}}"""));
        var stored = (string)JsonNode.Parse(await first.Content.ReadAsStringAsync())!["id"]!;
        var body = $$"""{"model":"test/responses-pair","input":"What number?","previous_response_id":"{{stored}}"}""";

        var id = Guid.NewGuid().ToString("N");
        using var count = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses/input_tokens", body, headers: [("x-sim-request-id", id)]));
        using var stranger = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses/input_tokens", body, GatewayFixture.OtherKey));

        Assert.Equal(HttpStatusCode.OK, count.StatusCode);
        Assert.Equal("sim-responses-upstream", (string?)JsonNode.Parse((string)(await gateway.RecordedRequestAsync(id))["body"]!)!["model"]);
        await OpenAIErrorAssert.IsErrorAsync(stranger, HttpStatusCode.BadRequest, code: "previous_response_not_found");
    }

    [Fact]
    public async Task ACompactionOfAStoredResponse_GoesToTheProviderThatStoredIt_AndAnotherAccountsIsRefused()
    {
        using var first = await gateway.Http.SendAsync(gateway.JsonPost(
            "v1/responses", """{"model":"test/responses-pair","input":"Remember 7","provider":{"only":["sim-responses"]}}"""));
        var stored = (string)JsonNode.Parse(await first.Content.ReadAsStringAsync())!["id"]!;
        var body = $$"""{"model":"test/responses-pair","input":"Compact this","previous_response_id":"{{stored}}"}""";

        var id = Guid.NewGuid().ToString("N");
        using var compacted = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses/compact", body, headers: [("x-sim-request-id", id)]));
        using var stranger = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses/compact", body, GatewayFixture.OtherKey));

        Assert.Equal(HttpStatusCode.OK, compacted.StatusCode);
        Assert.Equal("response.compaction", (string?)JsonNode.Parse(await compacted.Content.ReadAsStringAsync())!["object"]);
        Assert.Equal("sim-responses-upstream", (string?)JsonNode.Parse((string)(await gateway.RecordedRequestAsync(id))["body"]!)!["model"]);
        await OpenAIErrorAssert.IsErrorAsync(stranger, HttpStatusCode.BadRequest, code: "previous_response_not_found");
    }

    [Fact]
    public async Task AContinuationOfAResponseTheGatewayDoesNotKnow_GoesAsPlanned_AndTheProviderAnswers()
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await gateway.Http.SendAsync(gateway.JsonPost(
            "v1/responses", """{"model":"test/responses","input":"Go on","previous_response_id":"resp_made_elsewhere"}""", headers: [("x-sim-request-id", id)]));

        // The simulator's own refusal, relayed: it does not hold the response either.
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, code: "previous_response_not_found");
        Assert.Equal("/v1/responses", (string?)(await gateway.RecordedRequestAsync(id))["path"]);
    }

    [Fact]
    public async Task Cancel_IsRelayed_AndTheProvidersRefusalComesBack()
    {
        var created = (await gateway.ResponsesClient().CreateResponseAsync("test/responses", "Hi")).Value;

        using var response = await gateway.Http.SendAsync(Authorized(HttpMethod.Post, $"v1/responses/{created.Id}/cancel", GatewayFixture.Key));

        // Only background responses can be cancelled: the provider's refusal of this one.
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("background", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABackgroundStream_TheClientLeft_IsResumedThroughTheGateway_FromTheEventItLastSaw()
    {
        string id;
        using (var create = gateway.JsonPost(
            "v1/responses", """{"model":"test/responses","input":"Tell me a story","background":true,"stream":true}""", headers: [("x-sim-tokens", "8"), ("x-sim-itl-ms", "30")]))
        using (var stream = await gateway.Http.SendAsync(create, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            var first = await EventsAsync(stream, count: 3);
            id = (string)first[0]["response"]!["id"]!;
            Assert.Equal(2, (int)first[2]["sequence_number"]!);
        }

        using var resume = Authorized(HttpMethod.Get, $"v1/responses/{id}?stream=true&starting_after=2", GatewayFixture.Key);
        using var resumed = await gateway.Http.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        var rest = await EventsAsync(resumed, count: int.MaxValue);

        Assert.Equal(Enumerable.Range(3, rest.Count), rest.Select(e => (int)e["sequence_number"]!));
        Assert.Equal("response.completed", (string?)rest[^1]["type"]);
        Assert.Equal(8, (int)rest[^1]["response"]!["usage"]!["output_tokens"]!);
    }

    /// <summary>The data of up to <paramref name="count"/> events of an SSE answer (all of them with int.MaxValue).</summary>
    private static async Task<List<JsonNode>> EventsAsync(HttpResponseMessage response, int count)
    {
        var events = new List<JsonNode>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (events.Count < count && await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(JsonNode.Parse(line["data: ".Length..])!);
            }
        }

        return events;
    }

    private HttpRequestMessage Authorized(HttpMethod method, string path, string key)
    {
        var request = new HttpRequestMessage(method, new Uri(gateway.GatewayAddress, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }
}
