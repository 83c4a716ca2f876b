// The SDK marks its Responses client experimental; it is what OpenAI SDK users call.
#pragma warning disable OPENAI001
using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using MassRouter.Simulator.Tests.Infrastructure;
using OpenAI.Responses;

namespace MassRouter.Simulator.Tests.Providers;

/// <summary>
/// The Responses API's stored responses: what <c>POST /v1/responses</c> stores (unless <c>store</c> is false), and
/// <c>GET</c>, <c>DELETE</c>, <c>POST …/cancel</c> and <c>GET …/input_items</c> on <c>/v1/responses/{id}</c>, read by the
/// official OpenAI .NET SDK and, for the exact bodies, as raw JSON.
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class OpenAIStoredResponsesSimulatorTests(SimulatorFixture simulator)
{
    private const string Generated5 = "Hello from the MassRouter simulator";

    [Fact]
    public async Task StoredByDefault_IsRetrievedAsCreated_ListsItsInput_AndIsDeleted()
    {
        var client = Client(("x-sim-tokens", "5"));
        var created = await client.CreateResponseAsync("gpt-4.1", "Hi");
        var id = created.Value.Id;
        Assert.True(Json(created).GetProperty("store").GetBoolean());

        var retrieved = await client.GetResponseAsync(id);

        Assert.Equal(created.GetRawResponse().Content.ToString(), retrieved.GetRawResponse().Content.ToString());
        Assert.Equal(id, retrieved.Value.Id);
        Assert.Equal(Generated5, retrieved.Value.GetOutputText());
        Assert.Equal(ResponseStatus.Completed, retrieved.Value.Status);
        Assert.Equal(created.Value.Usage.InputTokenCount, retrieved.Value.Usage.InputTokenCount);
        Assert.Equal(5, retrieved.Value.Usage.OutputTokenCount);
        Assert.True(Json(retrieved).GetProperty("store").GetBoolean());

        var items = new List<ResponseItem>();
        await foreach (var item in client.GetResponseInputItemsAsync(id))
        {
            items.Add(item);
        }

        var message = Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(items));
        Assert.Matches("^msg_[0-9a-f]{48}$", message.Id);
        Assert.Equal(MessageRole.User, message.Role);
        Assert.Equal("Hi", Assert.Single(message.Content).Text);

        var deleted = await client.DeleteResponseAsync(id);

        Assert.True(deleted.Value.Deleted);
        Assert.Equal(id, deleted.Value.ResponseId);
        Assert.Equal($$"""{"id":"{{id}}","object":"response","deleted":true}""", deleted.GetRawResponse().Content.ToString());
        var gone = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(id));
        Assert.Equal(404, gone.Status);
        var again = await Assert.ThrowsAsync<ClientResultException>(() => client.DeleteResponseAsync(id));
        Assert.Equal(404, again.Status);
    }

    [Fact]
    public async Task StreamedResponse_IsStoredAsTheResponseOfItsCompletedEvent()
    {
        var events = SseEvents.Parse(await simulator.PostOkAsync(
            "/v1/responses", """{"model":"gpt-4.1","input":"Hi","stream":true}""", ("x-sim-tokens", "5"), ("x-sim-chunk-size", "2")));
        Assert.Equal("response.completed", events[^1].Event);
        using var completed = JsonDocument.Parse(events[^1].Data);
        var response = completed.RootElement.GetProperty("response");
        var id = response.GetProperty("id").GetString()!;

        using var retrieved = await simulator.Http.GetAsync($"/v1/responses/{id}");

        Assert.Equal(HttpStatusCode.OK, retrieved.StatusCode);
        Assert.Equal("application/json", retrieved.Content.Headers.ContentType?.MediaType);
        Assert.Equal(response.GetRawText(), await retrieved.Content.ReadAsStringAsync());
        var sdk = (await Client().GetResponseAsync(id)).Value;
        Assert.Equal(Generated5, sdk.GetOutputText());
        Assert.Equal(5, sdk.Usage.OutputTokenCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EveryResponseObject_EchoesStoreAndPreviousResponseId(bool store)
    {
        var previous = (await Client().CreateResponseAsync("gpt-4.1", "Hi")).Value.Id;
        var body = $$"""{"model":"gpt-4.1","input":"And then?","stream":true,"store":{{(store ? "true" : "false")}},"previous_response_id":"{{previous}}"}""";

        var events = SseEvents.Parse(await simulator.PostOkAsync("/v1/responses", body));

        var responses = events.Select(e => SseEvents.Json(e.Data)).Where(e => e.TryGetProperty("response", out _)).Select(e => e.GetProperty("response")).ToList();
        Assert.Equal(3, responses.Count);
        Assert.All(responses, r => Assert.Equal(store, r.GetProperty("store").GetBoolean()));
        Assert.All(responses, r => Assert.Equal(previous, r.GetProperty("previous_response_id").GetString()));
        using var retrieved = await simulator.Http.GetAsync($"/v1/responses/{responses[^1].GetProperty("id").GetString()}");
        Assert.Equal(store ? HttpStatusCode.OK : HttpStatusCode.NotFound, retrieved.StatusCode);
    }

    [Fact]
    public async Task StoreFalse_SaysSo_AndIsNotStored()
    {
        var options = new CreateResponseOptions("gpt-4.1", [ResponseItem.CreateUserMessageItem("Hi")]) { StoredOutputEnabled = false };

        var created = await Client().CreateResponseAsync(options);

        var json = Json(created);
        Assert.False(json.GetProperty("store").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("previous_response_id").ValueKind);
        var ex = await Assert.ThrowsAsync<ClientResultException>(() => Client().GetResponseAsync(created.Value.Id));
        Assert.Equal(404, ex.Status);
        AssertError(ex, $"Response with id '{created.Value.Id}' not found.", param: null, code: null);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UnknownPreviousResponseId_IsA400BeforeAnyGeneration(bool stream)
    {
        var body = $$"""{"model":"gpt-4.1","input":"And then?","stream":{{(stream ? "true" : "false")}},"previous_response_id":"resp_unknown"}""";

        using var response = await simulator.PostAsync("/v1/responses", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            """{"error":{"message":"Previous response with id 'resp_unknown' not found.","type":"invalid_request_error","param":"previous_response_id","code":"previous_response_not_found"}}""",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task KnownPreviousResponseId_IsAnsweredAndEchoed_UnknownIsRefusedBySdk()
    {
        var client = Client(("x-sim-tokens", "5"));
        var first = (await client.CreateResponseAsync("gpt-4.1", "Hi")).Value;

        var next = (await client.CreateResponseAsync(
            new CreateResponseOptions("gpt-4.1", [ResponseItem.CreateUserMessageItem("And then?")]) { PreviousResponseId = first.Id })).Value;

        Assert.NotEqual(first.Id, next.Id);
        Assert.Equal(first.Id, next.PreviousResponseId);
        Assert.Equal(Generated5, next.GetOutputText());
        Assert.Equal(first.Id, (await client.GetResponseAsync(next.Id)).Value.PreviousResponseId);

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => client.CreateResponseAsync(
            new CreateResponseOptions("gpt-4.1", [ResponseItem.CreateUserMessageItem("And then?")]) { PreviousResponseId = "resp_gone" }));
        Assert.Equal(400, ex.Status);
        AssertError(ex, "Previous response with id 'resp_gone' not found.", "previous_response_id", "previous_response_not_found");
    }

    [Fact]
    public async Task Cancel_IsA400ForAStoredResponse_AndA404ForAnUnknownOne()
    {
        var client = Client();
        var id = (await client.CreateResponseAsync("gpt-4.1", "Hi")).Value.Id;

        var stored = await Assert.ThrowsAsync<ClientResultException>(() => client.CancelResponseAsync(id));
        var unknown = await Assert.ThrowsAsync<ClientResultException>(() => client.CancelResponseAsync("resp_unknown"));

        Assert.Equal(400, stored.Status);
        AssertError(stored, "Only responses created with background=true can be cancelled.", param: null, code: null);
        Assert.Equal(404, unknown.Status);
        AssertError(unknown, "Response with id 'resp_unknown' not found.", param: null, code: null);
        Assert.Equal(200, (await client.GetResponseAsync(id)).GetRawResponse().Status);
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("DELETE", "")]
    [InlineData("POST", "/cancel")]
    [InlineData("GET", "/input_items")]
    public async Task UnknownId_IsOpenAIs404(string method, string suffix)
    {
        using var response = await simulator.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/v1/responses/resp_unknown" + suffix));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(
            """{"error":{"message":"Response with id 'resp_unknown' not found.","type":"invalid_request_error","param":null,"code":null}}""",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AzurePrefix_ServesTheSameStoredResponses()
    {
        var created = await simulator.PostOkAsync("/openai/v1/responses", """{"model":"gpt-4.1","input":"Hi"}""");
        var id = SseEvents.Json(created).GetProperty("id").GetString();

        using var retrieved = await simulator.Http.GetAsync($"/openai/v1/responses/{id}");
        using var items = await simulator.Http.GetAsync($"/openai/v1/responses/{id}/input_items");
        using var cancel = await simulator.Http.PostAsync($"/openai/v1/responses/{id}/cancel", null);
        using var delete = await simulator.Http.DeleteAsync($"/openai/v1/responses/{id}");
        using var gone = await simulator.Http.GetAsync($"/v1/responses/{id}");

        Assert.Equal(HttpStatusCode.OK, retrieved.StatusCode);
        Assert.Equal(created, await retrieved.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, items.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task InputItems_AreTheInputAsSent_WithIds_NewestFirstUnlessAscending()
    {
        const string Sent =
            """[{"type":"message","role":"user","content":[{"type":"input_text","text":"Weather?"}]},{"id":"fc_own","type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{}"},{"type":"function_call_output","call_id":"call_1","output":"Sunny, 21°C"},{"role":"user","content":"Thanks"}]""";
        var created = await simulator.PostOkAsync("/v1/responses", $$"""{"model":"gpt-4.1","input":{{Sent}}}""");
        var id = SseEvents.Json(created).GetProperty("id").GetString();

        var newestFirst = SseEvents.Json(await simulator.Http.GetStringAsync($"/v1/responses/{id}/input_items"));
        var oldestFirst = SseEvents.Json(await simulator.Http.GetStringAsync($"/v1/responses/{id}/input_items?order=asc"));

        Assert.Equal(["object", "data", "first_id", "last_id", "has_more"], newestFirst.EnumerateObject().Select(p => p.Name));
        Assert.Equal("list", newestFirst.GetProperty("object").GetString());
        Assert.False(newestFirst.GetProperty("has_more").GetBoolean());
        var items = oldestFirst.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(4, items.Count);
        Assert.Equal(
            items.Select(i => i.GetRawText()).Reverse(),
            newestFirst.GetProperty("data").EnumerateArray().Select(i => i.GetRawText()));
        var ids = items.Select(i => i.GetProperty("id").GetString()!).ToList();
        Assert.Matches("^msg_[0-9a-f]{48}$", ids[0]);
        Assert.Equal("fc_own", ids[1]);
        Assert.StartsWith("item_", ids[2], StringComparison.Ordinal);
        Assert.Matches("^msg_[0-9a-f]{48}$", ids[3]);
        Assert.Equal(ids[0], oldestFirst.GetProperty("first_id").GetString());
        Assert.Equal(ids[3], oldestFirst.GetProperty("last_id").GetString());
        Assert.Equal(ids[3], newestFirst.GetProperty("first_id").GetString());
        Assert.Equal(ids[0], newestFirst.GetProperty("last_id").GetString());

        // Kept as sent: the id first where one was added, the rest byte for byte; the same ids on every listing.
        using var sent = JsonDocument.Parse(Sent);
        var sentItems = sent.RootElement.EnumerateArray().ToList();
        Assert.Equal(sentItems[1].GetRawText(), items[1].GetRawText());
        foreach (var i in (int[])[0, 2, 3])
        {
            Assert.Equal($$"""{"id":"{{ids[i]}}",{{sentItems[i].GetRawText()[1..]}}""", items[i].GetRawText());
        }

        var again = SseEvents.Json(await simulator.Http.GetStringAsync($"/v1/responses/{id}/input_items?order=asc"));
        Assert.Equal(ids, again.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
    }

    [Theory]
    [InlineData("""{"model":"gpt-4.1","input":"Hi"}""", 1)]
    [InlineData("""{"model":"gpt-4.1","input":[]}""", 0)]
    [InlineData("""{"model":"gpt-4.1"}""", 0)]
    public async Task InputItems_OfAStringOrNoInput(string body, int count)
    {
        var id = SseEvents.Json(await simulator.PostOkAsync("/v1/responses", body)).GetProperty("id").GetString();

        var list = SseEvents.Json(await simulator.Http.GetStringAsync($"/v1/responses/{id}/input_items"));

        var data = list.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(count, data.Count);
        if (count == 0)
        {
            Assert.Equal(JsonValueKind.Null, list.GetProperty("first_id").ValueKind);
            Assert.Equal(JsonValueKind.Null, list.GetProperty("last_id").ValueKind);
        }
        else
        {
            var id0 = data[0].GetProperty("id").GetString();
            Assert.Equal(
                $$"""{"id":"{{id0}}","type":"message","role":"user","content":[{"type":"input_text","text":"Hi"}]}""",
                data[0].GetRawText());
            Assert.Equal(id0, list.GetProperty("first_id").GetString());
            Assert.Equal(id0, list.GetProperty("last_id").GetString());
        }
    }

    [Theory]
    [InlineData("midstream-error:2")]
    [InlineData("reset:2")]
    public async Task StreamCutByAFault_IsNotStored(string fault)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses")
        {
            Content = new StringContent("""{"model":"gpt-4.1","input":"Hi","stream":true}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-sim-fault", fault);

        // Paced, so response.created is read before the reset: a reset reaching the client first drops what it had not read.
        request.Headers.Add("x-sim-itl-ms", "50");
        var (_, received) = await simulator.ReadUntilCutAsync(request);

        // What arrived before a reset is what the test reads.
        var events = SseEvents.Parse(received);
        Assert.Equal("response.created", events[0].Event);
        Assert.DoesNotContain(events, e => e.Event == "response.completed");
        var id = SseEvents.Json(events[0].Data).GetProperty("response").GetProperty("id").GetString();

        using var retrieved = await simulator.Http.GetAsync($"/v1/responses/{id}");

        Assert.Equal(HttpStatusCode.NotFound, retrieved.StatusCode);
    }

    [Fact]
    public async Task StoredResponseCalls_AreRecordedInTheJournal()
    {
        var id = (await Client().CreateResponseAsync("gpt-4.1", "Hi")).Value.Id;
        var record = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/openai/v1/responses/{id}/input_items?order=asc");
        request.Headers.Add("x-sim-request-id", record);
        request.Headers.Add("api-key", "azure-key");

        using var response = await simulator.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var recorded = SseEvents.Json(await simulator.Http.GetStringAsync($"/sim/requests/{record}"));
        Assert.Equal("GET", recorded.GetProperty("method").GetString());
        Assert.Equal($"/openai/v1/responses/{id}/input_items", recorded.GetProperty("path").GetString());
        Assert.Equal("?order=asc", recorded.GetProperty("query").GetString());
        Assert.Equal("azure-key", recorded.GetProperty("headers").GetProperty("api-key").GetString());
        Assert.True(recorded.GetProperty("completed").GetBoolean());
    }

    [Fact]
    public async Task StatusFault_AppliesToStoredResponseCalls()
    {
        var id = (await Client().CreateResponseAsync("gpt-4.1", "Hi")).Value.Id;

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => Client(("x-sim-fault", "status:503")).GetResponseAsync(id));

        Assert.Equal(503, ex.Status);
        Assert.Equal(200, (await Client().GetResponseAsync(id)).GetRawResponse().Status);
    }

    private ResponsesClient Client(params (string Name, string Value)[] headers) => SimulatorResponsesClient.Create(simulator, headers);

    private static JsonElement Json(ClientResult result) => SseEvents.Json(result.GetRawResponse().Content.ToString());

    private static void AssertError(ClientResultException ex, string message, string? param, string? code)
    {
        var error = SseEvents.Json(ex.GetRawResponse()!.Content.ToString()).GetProperty("error");
        Assert.Equal(message, error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
    }
}
