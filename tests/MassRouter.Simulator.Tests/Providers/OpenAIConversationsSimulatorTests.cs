// The SDK marks its Conversations and Responses clients experimental; they are what OpenAI SDK users call.
#pragma warning disable OPENAI001
using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using MassRouter.Simulator.Tests.Infrastructure;
using OpenAI.Conversations;
using OpenAI.Responses;

namespace MassRouter.Simulator.Tests.Providers;

/// <summary>
/// OpenAI's Conversations API (<c>/v1/conversations</c>, its items) and <c>POST /v1/responses</c> in a conversation, read
/// by the official OpenAI .NET SDK (typed for conversations, its protocol methods for items) and, for the exact bodies,
/// as raw JSON.
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class OpenAIConversationsSimulatorTests(SimulatorFixture simulator)
{
    private const string Generated5 = "Hello from the MassRouter simulator";

    [Fact]
    public async Task Create_WithItemsAndMetadata_IsRetrievedAsCreated()
    {
        var options = new ConversationCreationOptions { Items = { ResponseItem.CreateUserMessageItem("Hi") } };
        options.Metadata["topic"] = "demo";
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var created = await Conversations().CreateConversationAsync(options);
        var retrieved = await Conversations().GetConversationAsync(created.Value.Id);

        var id = created.Value.Id;
        Assert.Matches("^conv_[0-9a-f]{48}$", id);
        var json = Json(created);
        Assert.Equal(["id", "object", "created_at", "metadata"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("conversation", json.GetProperty("object").GetString());
        Assert.InRange(json.GetProperty("created_at").GetInt64(), before, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal("""{"topic":"demo"}""", json.GetProperty("metadata").GetRawText());
        Assert.Equal(created.GetRawResponse().Content.ToString(), retrieved.GetRawResponse().Content.ToString());
        Assert.Equal(id, retrieved.Value.Id);
        Assert.Equal("demo", retrieved.Value.Metadata["topic"]);
        var item = Assert.Single(await ItemsAsync(id, ascending: true));
        Assert.Matches("^msg_[0-9a-f]{48}$", item.GetProperty("id").GetString());
        Assert.Equal("Hi", item.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Create_KeepsItemsAsSent_WithIdsAdded()
    {
        const string Sent = """[{"role":"user","content":"Hi"},{"id":"fc_own","type":"function_call","call_id":"call_1","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"call_1","output":"ok"}]""";

        var id = await CreateAsync($$"""{"items":{{Sent}}}""");

        var items = await ItemsAsync(id, ascending: true);
        using var sent = JsonDocument.Parse(Sent);
        var sentItems = sent.RootElement.EnumerateArray().ToList();
        Assert.Equal(3, items.Count);
        var ids = items.Select(i => i.GetProperty("id").GetString()!).ToList();
        Assert.Matches("^msg_[0-9a-f]{48}$", ids[0]);
        Assert.Equal($$"""{"id":"{{ids[0]}}",{{sentItems[0].GetRawText()[1..]}}""", items[0].GetRawText());
        Assert.Equal(sentItems[1].GetRawText(), items[1].GetRawText());
        Assert.StartsWith("item_", ids[2], StringComparison.Ordinal);
        Assert.Equal($$"""{"id":"{{ids[2]}}",{{sentItems[2].GetRawText()[1..]}}""", items[2].GetRawText());
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("""{"items":null,"metadata":null}""")]
    public async Task Create_WithNothing_IsEmpty(string body)
    {
        using var response = await simulator.Http.PostAsync("/v1/conversations", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = SseEvents.Json(await response.Content.ReadAsStringAsync());
        Assert.Equal("{}", json.GetProperty("metadata").GetRawText());
        var list = await ListAsync($"/v1/conversations/{json.GetProperty("id").GetString()}/items");
        Assert.Empty(list.GetProperty("data").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, list.GetProperty("first_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, list.GetProperty("last_id").ValueKind);
        Assert.False(list.GetProperty("has_more").GetBoolean());
    }

    [Fact]
    public async Task Update_ReplacesTheMetadata()
    {
        var id = await CreateAsync("""{"metadata":{"topic":"demo","owner":"alice"}}""");

        var updated = await Conversations().UpdateConversationAsync(id, new ConversationUpdateOptions(new Dictionary<string, string> { ["topic"] = "other" }));
        var retrieved = await Conversations().GetConversationAsync(id);

        Assert.Equal(id, updated.Value.Id);
        Assert.Equal("""{"topic":"other"}""", Json(updated).GetProperty("metadata").GetRawText());
        Assert.Equal(updated.GetRawResponse().Content.ToString(), retrieved.GetRawResponse().Content.ToString());
        Assert.Equal("other", Assert.Single(retrieved.Value.Metadata).Value);
    }

    [Fact]
    public async Task Items_AreListedNewestFirstUnlessAscending()
    {
        var id = await CreateAsync(
            """{"items":[{"role":"user","content":"one"},{"role":"assistant","content":"two"},{"role":"user","content":"three"}]}""");

        var newestFirst = await ListAsync($"/v1/conversations/{id}/items");
        var oldestFirst = await ListAsync($"/v1/conversations/{id}/items?order=asc");

        Assert.Equal(["object", "data", "first_id", "last_id", "has_more"], newestFirst.EnumerateObject().Select(p => p.Name));
        Assert.Equal("list", newestFirst.GetProperty("object").GetString());
        Assert.False(newestFirst.GetProperty("has_more").GetBoolean());
        Assert.Equal(["one", "two", "three"], oldestFirst.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("content").GetString()));
        Assert.Equal(["three", "two", "one"], newestFirst.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("content").GetString()));
        var ids = oldestFirst.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
        Assert.Equal(ids[0], oldestFirst.GetProperty("first_id").GetString());
        Assert.Equal(ids[2], oldestFirst.GetProperty("last_id").GetString());
        Assert.Equal(ids[2], newestFirst.GetProperty("first_id").GetString());
        Assert.Equal(ids[0], newestFirst.GetProperty("last_id").GetString());

        // The SDK's protocol method pages the same list: one page, as has_more says.
        var pages = new List<ClientResult>();
        await foreach (var page in Conversations().GetConversationItemsAsync(id, limit: null, order: "asc", after: null, include: null).GetRawPagesAsync())
        {
            pages.Add(page);
        }

        Assert.Equal(oldestFirst.GetRawText(), Assert.Single(pages).GetRawResponse().Content.ToString());
    }

    [Fact]
    public async Task AddItems_AppendsThem_AndAnswersWithJustTheAdded()
    {
        var id = await CreateAsync("""{"items":[{"role":"user","content":"one"}]}""");

        var added = await Conversations().CreateConversationItemsAsync(
            id, BinaryContent.Create(BinaryData.FromString("""{"items":[{"role":"assistant","content":"two"},{"type":"message","role":"user","content":[{"type":"input_text","text":"three"}]}]}""")));

        var list = Json(added);
        Assert.Equal(["object", "data", "first_id", "last_id", "has_more"], list.EnumerateObject().Select(p => p.Name));
        var data = list.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(2, data.Count);
        Assert.Equal("two", data[0].GetProperty("content").GetString());
        Assert.Equal("three", data[1].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.All(data, i => Assert.Matches("^msg_[0-9a-f]{48}$", i.GetProperty("id").GetString()));
        Assert.Equal(data[0].GetProperty("id").GetString(), list.GetProperty("first_id").GetString());
        Assert.Equal(data[1].GetProperty("id").GetString(), list.GetProperty("last_id").GetString());
        var all = await ItemsAsync(id, ascending: true);
        Assert.Equal(3, all.Count);
        Assert.Equal(data.Select(i => i.GetRawText()), all.Skip(1).Select(i => i.GetRawText()));
    }

    [Fact]
    public async Task Item_IsRetrievedById_AndItsDeletionAnswersWithTheConversation()
    {
        var id = await CreateAsync("""{"items":[{"role":"user","content":"one"},{"role":"user","content":"two"}],"metadata":{"k":"v"}}""");
        var items = await ItemsAsync(id, ascending: true);
        var itemId = items[0].GetProperty("id").GetString()!;
        var conversation = await simulator.Http.GetStringAsync($"/v1/conversations/{id}");

        var retrieved = await Conversations().GetConversationItemAsync(id, itemId, include: null);
        var deleted = await Conversations().DeleteConversationItemAsync(id, itemId);

        Assert.Equal(items[0].GetRawText(), retrieved.GetRawResponse().Content.ToString());
        Assert.Equal(conversation, deleted.GetRawResponse().Content.ToString());
        using var gone = await simulator.Http.GetAsync($"/v1/conversations/{id}/items/{itemId}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(
            $$$"""{"error":{"message":"Item with id '{{{itemId}}}' not found.","type":"invalid_request_error","param":null,"code":null}}""",
            await gone.Content.ReadAsStringAsync());
        using var again = await simulator.Http.DeleteAsync($"/v1/conversations/{id}/items/{itemId}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal([items[1].GetRawText()], (await ItemsAsync(id, ascending: true)).Select(i => i.GetRawText()));
    }

    [Fact]
    public async Task Delete_RemovesTheConversation()
    {
        var id = await CreateAsync("""{"items":[{"role":"user","content":"one"}]}""");

        var deleted = await Conversations().DeleteConversationAsync(id);

        Assert.True(deleted.Value.Deleted);
        Assert.Equal(id, deleted.Value.ConversationId);
        Assert.Equal($$"""{"id":"{{id}}","object":"conversation.deleted","deleted":true}""", deleted.GetRawResponse().Content.ToString());
        var gone = await Assert.ThrowsAsync<ClientResultException>(() => Conversations().GetConversationAsync(id));
        Assert.Equal(404, gone.Status);
        AssertError(gone, $"Conversation with id '{id}' not found.", param: null, code: null);
        var again = await Assert.ThrowsAsync<ClientResultException>(() => Conversations().DeleteConversationAsync(id));
        Assert.Equal(404, again.Status);
        using var items = await simulator.Http.GetAsync($"/v1/conversations/{id}/items");
        Assert.Equal(HttpStatusCode.NotFound, items.StatusCode);
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("POST", "")]
    [InlineData("DELETE", "")]
    [InlineData("GET", "/items")]
    [InlineData("POST", "/items")]
    [InlineData("GET", "/items/msg_1")]
    [InlineData("DELETE", "/items/msg_1")]
    public async Task UnknownConversation_IsOpenAIs404(string method, string suffix)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "/v1/conversations/conv_unknown" + suffix);
        if (method == "POST")
        {
            request.Content = new StringContent("""{"metadata":{},"items":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json");
        }

        using var response = await simulator.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            """{"error":{"message":"Conversation with id 'conv_unknown' not found.","type":"invalid_request_error","param":null,"code":null}}""",
            await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("", "not json", "We could not parse the JSON body of your request.", null, null)]
    [InlineData("", """{"items":"Hi"}""", "Invalid type for 'items': expected an array, but got a string instead.", "items", "invalid_type")]
    [InlineData("", """{"items":[{"role":"user","content":"Hi"},"Hi"]}""", "Invalid type for 'items[1]': expected an object, but got a string instead.", "items[1]", "invalid_type")]
    [InlineData("", """{"metadata":["a"]}""", "Invalid type for 'metadata': expected an object, but got an array instead.", "metadata", "invalid_type")]
    [InlineData("", """{"metadata":{"n":1}}""", "Invalid type for 'metadata.n': expected a string, but got an integer instead.", "metadata.n", "invalid_type")]
    [InlineData("/{id}", "{}", "Missing required parameter: 'metadata'.", "metadata", "missing_required_parameter")]
    [InlineData("/{id}/items", """{"metadata":{}}""", "Missing required parameter: 'items'.", "items", "missing_required_parameter")]
    [InlineData("/{id}/items", """{"items":[]}""", "Invalid 'items': empty array. Expected an array with minimum length 1, but got an empty array instead.", "items", "empty_array")]
    public async Task InvalidBody_IsOpenAIs400(string path, string body, string message, string? param, string? code)
    {
        var id = await CreateAsync("{}");

        using var response = await simulator.PostAsync("/v1/conversations" + path.Replace("{id}", id, StringComparison.Ordinal), body);

        await OpenAIInvalidRequest.AssertAsync(response, message, param, code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/{id}/items")]
    public async Task MoreThanTwentyItems_AreRefused_AndNothingIsAdded(string path)
    {
        var id = await CreateAsync("{}");
        var target = "/v1/conversations" + path.Replace("{id}", id, StringComparison.Ordinal);
        static string Items(int count) => $$"""{"items":[{{string.Join(',', Enumerable.Repeat("""{"role":"user","content":"Hi"}""", count))}}]}""";

        using var response = await simulator.PostAsync(target, Items(21));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(
            """{"error":{"message":"Invalid 'items': array too long. Expected an array with maximum length 20, but got an array with length 21 instead.","type":"invalid_request_error","param":"items","code":"array_above_max_length"}}""",
            await response.Content.ReadAsStringAsync());
        Assert.Empty(await ItemsAsync(id, ascending: true));
        using var twenty = await simulator.PostAsync(target, Items(20));
        Assert.Equal(HttpStatusCode.OK, twenty.StatusCode);
    }

    [Fact]
    public async Task Response_InAConversation_AppendsItsInputAndOutput_AndEchoesTheConversation()
    {
        var id = await CreateAsync("""{"items":[{"role":"user","content":"Earlier"}]}""");
        var options = new CreateResponseOptions("gpt-4.1", [ResponseItem.CreateUserMessageItem("Hi")]) { ConversationOptions = new ResponseConversationOptions(id) };

        var created = await Responses(("x-sim-tokens", "5")).CreateResponseAsync(options);

        Assert.Equal(id, created.Value.ConversationOptions.ConversationId);
        Assert.Equal($$"""{"id":"{{id}}"}""", Json(created).GetProperty("conversation").GetRawText());
        Assert.Equal(Generated5, created.Value.GetOutputText());
        var items = await ItemsAsync(id, ascending: true);
        Assert.Equal(3, items.Count);
        Assert.Equal("Earlier", items[0].GetProperty("content").GetString());
        Assert.Matches("^msg_[0-9a-f]{48}$", items[1].GetProperty("id").GetString());
        Assert.Equal("user", items[1].GetProperty("role").GetString());
        Assert.Equal("Hi", items[1].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(Json(created).GetProperty("output")[0].GetRawText(), items[2].GetRawText());

        // The id as a plain string, streamed: the same, once the stream completes; the stored response says so too.
        var events = SseEvents.Parse(await simulator.PostOkAsync(
            "/v1/responses", $$"""{"model":"gpt-4.1","input":"And then?","stream":true,"conversation":"{{id}}"}""", ("x-sim-tokens", "5")));
        var responses = events.Select(e => SseEvents.Json(e.Data)).Where(e => e.TryGetProperty("response", out _)).Select(e => e.GetProperty("response")).ToList();
        Assert.Equal(3, responses.Count);
        Assert.All(responses, r => Assert.Equal($$"""{"id":"{{id}}"}""", r.GetProperty("conversation").GetRawText()));
        var streamed = await ItemsAsync(id, ascending: true);
        Assert.Equal(5, streamed.Count);
        Assert.Equal(
            $$"""{"id":"{{streamed[3].GetProperty("id").GetString()}}","type":"message","role":"user","content":[{"type":"input_text","text":"And then?"}]}""",
            streamed[3].GetRawText());
        Assert.Equal(responses[^1].GetProperty("output")[0].GetRawText(), streamed[4].GetRawText());
        var stored = SseEvents.Json(await simulator.Http.GetStringAsync($"/v1/responses/{responses[^1].GetProperty("id").GetString()}"));
        Assert.Equal(id, stored.GetProperty("conversation").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Response_WithoutAConversation_EchoesNull_BetweenBackgroundAndError()
    {
        var created = await Responses().CreateResponseAsync("gpt-4.1", "Hi");

        var names = Json(created).EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(JsonValueKind.Null, Json(created).GetProperty("conversation").ValueKind);
        Assert.Null(created.Value.ConversationOptions);
        Assert.Equal(names.IndexOf("background") + 1, names.IndexOf("conversation"));
        Assert.Equal(names.IndexOf("conversation") + 1, names.IndexOf("error"));
    }

    [Theory]
    [InlineData(false, "\"conv_unknown\"")]
    [InlineData(true, "\"conv_unknown\"")]
    [InlineData(false, """{"id":"conv_unknown"}""")]
    [InlineData(true, """{"id":"conv_unknown"}""")]
    public async Task Response_InAnUnknownConversation_IsA404BeforeAnyGeneration(bool stream, string conversation)
    {
        var body = $$"""{"model":"gpt-4.1","input":"Hi","stream":{{(stream ? "true" : "false")}},"conversation":{{conversation}}}""";

        using var response = await simulator.PostAsync("/v1/responses", body);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            """{"error":{"message":"Conversation with id 'conv_unknown' not found.","type":"invalid_request_error","param":"conversation","code":null}}""",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Response_WithBothConversationAndPreviousResponseId_IsA400()
    {
        var id = await CreateAsync("{}");
        var previous = (await Responses().CreateResponseAsync("gpt-4.1", "Hi")).Value.Id;
        var options = new CreateResponseOptions("gpt-4.1", [ResponseItem.CreateUserMessageItem("Hi")])
        {
            ConversationOptions = new ResponseConversationOptions(id),
            PreviousResponseId = previous,
        };

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => Responses().CreateResponseAsync(options));

        Assert.Equal(400, ex.Status);
        Assert.Equal(
            """{"error":{"message":"Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.","type":"invalid_request_error","param":null,"code":"mutually_exclusive_parameters"}}""",
            ex.GetRawResponse()!.Content.ToString());
        Assert.Empty(await ItemsAsync(id, ascending: true));
    }

    [Theory]
    [InlineData(true, "midstream-error:2")]
    [InlineData(true, "reset:2")]
    [InlineData(false, "midstream-error:2")]
    [InlineData(false, "status:503")]
    public async Task Response_CutByAFault_AppendsNothing(bool stream, string fault)
    {
        var id = await CreateAsync("""{"items":[{"role":"user","content":"Earlier"}]}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses")
        {
            Content = new StringContent(
                $$"""{"model":"gpt-4.1","input":"Hi","stream":{{(stream ? "true" : "false")}},"conversation":"{{id}}"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-sim-fault", fault);

        // What arrived before a reset (the kernel may drop even the headers) is what the test reads.
        var (status, received) = await simulator.ReadUntilCutAsync(request);

        if (stream)
        {
            Assert.DoesNotContain(SseEvents.Parse(received), e => e.Event == "response.completed");
        }
        else
        {
            Assert.NotEqual(HttpStatusCode.OK, status);
        }

        Assert.Equal(["Earlier"], (await ItemsAsync(id, ascending: true)).Select(i => i.GetProperty("content").GetString()));
    }

    [Fact]
    public async Task AzurePrefix_ServesTheSameConversations()
    {
        var created = await simulator.PostOkAsync("/openai/v1/conversations", """{"metadata":{"k":"v"}}""");
        var id = SseEvents.Json(created).GetProperty("id").GetString();

        using var retrieved = await simulator.Http.GetAsync($"/openai/v1/conversations/{id}");
        var added = await simulator.PostOkAsync($"/openai/v1/conversations/{id}/items", """{"items":[{"role":"user","content":"one"}]}""");
        var itemId = SseEvents.Json(added).GetProperty("first_id").GetString();
        var response = await simulator.PostOkAsync("/openai/v1/responses", $$$"""{"model":"gpt-4.1","input":"Hi","conversation":{"id":"{{{id}}}"}}""");
        var items = await ListAsync($"/openai/v1/conversations/{id}/items?order=asc");
        using var item = await simulator.Http.GetAsync($"/openai/v1/conversations/{id}/items/{itemId}");
        using var deleteItem = await simulator.Http.DeleteAsync($"/openai/v1/conversations/{id}/items/{itemId}");
        var updated = await simulator.PostOkAsync($"/openai/v1/conversations/{id}", """{"metadata":{"k":"w"}}""");
        using var delete = await simulator.Http.DeleteAsync($"/openai/v1/conversations/{id}");
        using var gone = await simulator.Http.GetAsync($"/v1/conversations/{id}");

        Assert.Equal(HttpStatusCode.OK, retrieved.StatusCode);
        Assert.Equal(created, await retrieved.Content.ReadAsStringAsync());
        Assert.Equal(id, SseEvents.Json(response).GetProperty("conversation").GetProperty("id").GetString());
        Assert.Equal(3, items.GetProperty("data").GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, item.StatusCode);
        Assert.Equal(HttpStatusCode.OK, deleteItem.StatusCode);
        Assert.Equal("w", SseEvents.Json(updated).GetProperty("metadata").GetProperty("k").GetString());
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task ConversationCalls_AreRecordedInTheJournal()
    {
        var id = await CreateAsync("{}");
        var record = Guid.NewGuid().ToString("N");

        using var response = await simulator.PostAsync(
            $"/openai/v1/conversations/{id}/items?include=message.input_image.image_url",
            """{"items":[{"role":"user","content":"Hi"}]}""",
            ("x-sim-request-id", record),
            ("api-key", "azure-key"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var recorded = SseEvents.Json(await simulator.Http.GetStringAsync($"/sim/requests/{record}"));
        Assert.Equal("POST", recorded.GetProperty("method").GetString());
        Assert.Equal($"/openai/v1/conversations/{id}/items", recorded.GetProperty("path").GetString());
        Assert.Equal("?include=message.input_image.image_url", recorded.GetProperty("query").GetString());
        Assert.Equal("azure-key", recorded.GetProperty("headers").GetProperty("api-key").GetString());
        Assert.Contains("\"content\":\"Hi\"", recorded.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.True(recorded.GetProperty("completed").GetBoolean());
    }

    [Fact]
    public async Task StatusFault_AppliesToConversationCalls_AndChangesNothing()
    {
        var id = await CreateAsync("{}");

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => Conversations(("x-sim-fault", "status:503")).DeleteConversationAsync(id));

        Assert.Equal(503, ex.Status);
        Assert.Equal(200, (await Conversations().GetConversationAsync(id)).GetRawResponse().Status);
    }

    private ConversationClient Conversations(params (string Name, string Value)[] headers) => SimulatorConversationClient.Create(simulator, headers);

    private ResponsesClient Responses(params (string Name, string Value)[] headers) => SimulatorResponsesClient.Create(simulator, headers);

    /// <summary>Creates a conversation with <paramref name="body"/> as raw JSON; returns its id.</summary>
    private async Task<string> CreateAsync(string body) =>
        SseEvents.Json(await simulator.PostOkAsync("/v1/conversations", body)).GetProperty("id").GetString()!;

    private async Task<JsonElement> ListAsync(string path) => SseEvents.Json(await simulator.Http.GetStringAsync(path));

    private async Task<List<JsonElement>> ItemsAsync(string id, bool ascending) =>
        (await ListAsync($"/v1/conversations/{id}/items{(ascending ? "?order=asc" : "")}")).GetProperty("data").EnumerateArray().ToList();

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
