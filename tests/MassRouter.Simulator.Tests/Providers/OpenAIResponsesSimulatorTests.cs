// The SDK marks its Responses client experimental; it is what OpenAI SDK users call.
#pragma warning disable OPENAI001
using System.ClientModel;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MassRouter.Simulator.Tests.Infrastructure;
using OpenAI.Responses;

namespace MassRouter.Simulator.Tests.Providers;

/// <summary>
/// <c>POST /v1/responses</c>, OpenAI's Responses API, read by the official OpenAI .NET SDK (its Responses client) and, for
/// the stream's framing, byte by byte.
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class OpenAIResponsesSimulatorTests(SimulatorFixture simulator)
{
    private const string Generated5 = "Hello from the MassRouter simulator";
    private const string Generated16 = "Hello from the MassRouter simulator. This answer is generated one token at a time for";
    private const string StreamedHi = """{"model":"gpt-4.1","input":"Hi","stream":true}""";

    private static readonly BinaryData WeatherParameters = BinaryData.FromString(
        """{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string"}},"required":["city","unit"],"additionalProperties":false}""");

    [Fact]
    public async Task Response_HasTextAndUsage_Completed()
    {
        var response = (await Client(("x-sim-tokens", "5")).CreateResponseAsync("gpt-4.1", "Hi")).Value;

        Assert.Matches("^resp_[0-9a-f]{48}$", response.Id);
        Assert.Equal("gpt-4.1", response.Model);
        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.Null(response.IncompleteStatusDetails);
        var message = Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(response.OutputItems));
        Assert.StartsWith("msg_", message.Id, StringComparison.Ordinal);
        Assert.Equal(Generated5, response.GetOutputText());
        Assert.True(response.Usage.InputTokenCount > 0);
        Assert.Equal(5, response.Usage.OutputTokenCount);
        Assert.Equal(response.Usage.InputTokenCount + 5, response.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Stream_IsParsedBySdk_DeltaByDelta_EndingCompletedWithUsage()
    {
        var types = new List<string>();
        var sequence = new List<int>();
        var deltas = new StringBuilder();
        ResponseResult? created = null, completed = null;
        await foreach (var update in await Client(("x-sim-tokens", "5"), ("x-sim-chunk-size", "2")).CreateResponseStreamingAsync("gpt-4.1", "Hi"))
        {
            types.Add(update.GetType().Name);
            sequence.Add(update.SequenceNumber);
            switch (update)
            {
                case StreamingResponseCreatedUpdate start:
                    created = start.Response;
                    break;
                case StreamingResponseOutputTextDeltaUpdate delta:
                    deltas.Append(delta.Delta);
                    break;
                case StreamingResponseCompletedUpdate done:
                    completed = done.Response;
                    break;
            }
        }

        Assert.Equal(
            [
                nameof(StreamingResponseCreatedUpdate), nameof(StreamingResponseInProgressUpdate), nameof(StreamingResponseOutputItemAddedUpdate),
                nameof(StreamingResponseContentPartAddedUpdate), nameof(StreamingResponseOutputTextDeltaUpdate), nameof(StreamingResponseOutputTextDeltaUpdate),
                nameof(StreamingResponseOutputTextDeltaUpdate), nameof(StreamingResponseOutputTextDoneUpdate), nameof(StreamingResponseContentPartDoneUpdate),
                nameof(StreamingResponseOutputItemDoneUpdate), nameof(StreamingResponseCompletedUpdate),
            ],
            types);
        Assert.Equal(Enumerable.Range(0, types.Count), sequence);
        Assert.NotNull(created);
        Assert.Equal(ResponseStatus.InProgress, created.Status);
        Assert.Empty(created.OutputItems);
        Assert.Null(created.Usage);
        Assert.NotNull(completed);
        Assert.Equal(created.Id, completed.Id);
        Assert.Equal(ResponseStatus.Completed, completed.Status);
        Assert.Equal(Generated5, deltas.ToString());
        Assert.Equal(Generated5, completed.GetOutputText());
        Assert.True(completed.Usage.InputTokenCount > 0);
        Assert.Equal(5, completed.Usage.OutputTokenCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ForcedFunctionTool_IsOneFunctionCallOfThatTool(bool stream)
    {
        var options = new CreateResponseOptions("gpt-4.1", [ResponseItem.CreateUserMessageItem("Weather in Paris?")])
        {
            Tools =
            {
                ResponseTool.CreateFunctionTool("get_time", BinaryData.FromString("""{"type":"object","properties":{"zone":{"type":"string"}}}"""), strictModeEnabled: false),
                ResponseTool.CreateFunctionTool("get_weather", WeatherParameters, strictModeEnabled: true, "The weather in a city"),
            },
            ToolChoice = ResponseToolChoice.CreateFunctionChoice("get_weather"),
        };
        var client = Client();

        ResponseResult? response = null;
        var streamedArguments = new StringBuilder();
        if (stream)
        {
            options.StreamingEnabled = true;
            await foreach (var update in await client.CreateResponseStreamingAsync(options))
            {
                if (update is StreamingResponseFunctionCallArgumentsDeltaUpdate delta)
                {
                    streamedArguments.Append(delta.Delta);
                }
                else if (update is StreamingResponseCompletedUpdate done)
                {
                    response = done.Response;
                }
            }
        }
        else
        {
            response = (await client.CreateResponseAsync(options)).Value;
        }

        Assert.NotNull(response);
        Assert.Equal(ResponseStatus.Completed, response.Status);
        var call = Assert.IsType<FunctionCallResponseItem>(Assert.Single(response.OutputItems));
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Matches("^call_[A-Za-z0-9]{24}$", call.CallId);
        Assert.StartsWith("fc_", call.Id, StringComparison.Ordinal);
        using var arguments = JsonDocument.Parse(call.FunctionArguments);
        Assert.Equal(["city", "unit"], arguments.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.True(response.Usage.OutputTokenCount > 0);
        if (stream)
        {
            Assert.Equal(call.FunctionArguments.ToString(), streamedArguments.ToString());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MaxOutputTokensBelowAnswer_IsIncomplete_ForMaxOutputTokens(bool stream)
    {
        var options = new CreateResponseOptions("gpt-4.1", [ResponseItem.CreateUserMessageItem("Hi")]) { MaxOutputTokenCount = 16 };
        var client = Client(("x-sim-tokens", "40"));

        ResponseResult? response = null;
        string? last = null;
        if (stream)
        {
            options.StreamingEnabled = true;
            await foreach (var update in await client.CreateResponseStreamingAsync(options))
            {
                last = update.GetType().Name;
                response = update is StreamingResponseIncompleteUpdate incomplete ? incomplete.Response : response;
            }

            Assert.Equal(nameof(StreamingResponseIncompleteUpdate), last);
        }
        else
        {
            response = (await client.CreateResponseAsync(options)).Value;
        }

        Assert.NotNull(response);
        Assert.Equal(ResponseStatus.Incomplete, response.Status);
        Assert.Equal(ResponseIncompleteStatusReason.MaxOutputTokens, response.IncompleteStatusDetails?.Reason);
        Assert.Equal(16, response.MaxOutputTokenCount);
        Assert.Equal(Generated16, response.GetOutputText());
        Assert.Equal(16, response.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task MaxOutputTokensBelowSixteen_IsRefusedAsOpenAIRefusesIt()
    {
        var options = new CreateResponseOptions("gpt-4.1", [ResponseItem.CreateUserMessageItem("Hi")]) { MaxOutputTokenCount = 1 };

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => Client().CreateResponseAsync(options));

        Assert.Equal(400, ex.Status);
        var error = SseEvents.Json(ex.GetRawResponse()!.Content.ToString()).GetProperty("error");
        Assert.Equal("Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 1 instead.", error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("max_output_tokens", error.GetProperty("param").GetString());
        Assert.Equal("integer_below_min_value", error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("/v1/responses")]
    [InlineData("/openai/v1/responses")]
    public async Task Stream_IsTypedSseWithSequenceNumbersInOrder_AndNoDone(string path)
    {
        using var response = await simulator.PostAsync(path, StreamedHi, ("x-sim-tokens", "7"), ("x-sim-chunk-size", "3"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.DoesNotContain("[DONE]", body, StringComparison.Ordinal);
        Assert.EndsWith("\n\n", body, StringComparison.Ordinal);
        var events = SseEvents.Parse(body);
        for (var i = 0; i < events.Count; i++)
        {
            var json = SseEvents.Json(events[i].Data);
            var properties = json.EnumerateObject().ToList();
            Assert.Equal("type", properties[0].Name);
            Assert.Equal(events[i].Event, properties[0].Value.GetString());
            Assert.Equal("sequence_number", properties[1].Name);
            Assert.Equal(i, properties[1].Value.GetInt32());
        }

        Assert.Equal(3, events.Count(e => e.Event == "response.output_text.delta"));
        Assert.Equal("response.completed", events[^1].Event);
        var completed = SseEvents.Json(events[^1].Data).GetProperty("response");
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        Assert.Equal(7, completed.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task Stream_IsFlushedDeltaByDelta()
    {
        // The hold fault stops the stream after its first delta: what arrived by then was flushed as it was written.
        var hold = Guid.NewGuid().ToString("N");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses") { Content = new StringContent(StreamedHi, MediaTypeHeaderValue.Parse("application/json")) };
        request.Headers.Add("x-sim-fault", "hold:" + hold);
        request.Headers.Add("x-sim-tokens", "3");
        request.Headers.Add("x-sim-chunk-size", "1");
        using var response = await simulator.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);

        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (SseEvents.Parse(received.ToString()).Count < 5 || !received.ToString().EndsWith("\n\n", StringComparison.Ordinal))
        {
            var read = await body.ReadAsync(buffer, timeout.Token);
            Assert.NotEqual(0, read);
            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        Assert.Equal(
            ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added", "response.output_text.delta"],
            SseEvents.Parse(received.ToString()).Select(e => e.Event));
        (await simulator.Http.PostAsync($"/sim/release/{hold}", null, timeout.Token)).Dispose();
        using var rest = new StreamReader(body);
        received.Append(await rest.ReadToEndAsync(timeout.Token));
        var events = SseEvents.Parse(received.ToString());
        Assert.Equal(3, events.Count(e => e.Event == "response.output_text.delta"));
        Assert.Equal("response.completed", events[^1].Event);
    }

    [Fact]
    public async Task MidstreamErrorFault_EndsTheStreamWithAnErrorEvent()
    {
        var events = SseEvents.Parse(await simulator.PostOkAsync("/v1/responses", StreamedHi, ("x-sim-fault", "midstream-error:2")));

        Assert.Equal(2, events.Count(e => e.Event == "response.output_text.delta"));
        Assert.Equal("error", events[^1].Event);
        var error = SseEvents.Json(events[^1].Data);
        Assert.Equal("server_error", error.GetProperty("code").GetString());
        Assert.DoesNotContain(events, e => e.Event is "response.completed" or "response.output_text.done");
    }

    [Fact]
    public async Task MidstreamErrorFault_WithoutStream_IsA500()
    {
        var ex = await Assert.ThrowsAsync<ClientResultException>(() => Client(("x-sim-fault", "midstream-error:2")).CreateResponseAsync("gpt-4.1", "Hi"));

        Assert.Equal(500, ex.Status);
    }

    [Fact]
    public async Task StatusFault_IsAnOpenAIErrorWithRetryAfter()
    {
        var ex = await Assert.ThrowsAsync<ClientResultException>(() => Client(("x-sim-fault", "status:429")).CreateResponseAsync("gpt-4.1", "Hi"));

        Assert.Equal(429, ex.Status);
        var raw = ex.GetRawResponse()!;
        Assert.True(raw.Headers.TryGetValue("Retry-After", out var retryAfter));
        Assert.Equal("1", retryAfter);
        Assert.Equal("rate_limit_exceeded", SseEvents.Json(raw.Content.ToString()).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task InputTokens_CountFourBytesAToken_AsTheResponsesEndpointReports()
    {
        const string Body = """{"model":"gpt-5-codex","input":"Count the tokens of this request, please."}""";
        using var response = await simulator.PostAsync("/v1/responses/input_tokens", Body);

        Assert.Equal(200, (int)response.StatusCode);
        var count = SseEvents.Json(await response.Content.ReadAsStringAsync());
        Assert.Equal("response.input_tokens", count.GetProperty("object").GetString());
        Assert.Equal(Encoding.UTF8.GetByteCount(Body) / 4, count.GetProperty("input_tokens").GetInt32());
    }

    [Theory]
    [InlineData("/v1/responses/compact")]
    [InlineData("/openai/v1/responses/compact")]
    public async Task Compaction_IsOneResponseCompactionObject_WithUsage(string path)
    {
        using var response = await simulator.PostAsync(path, """{"model":"gpt-5-codex","input":[{"role":"user","content":"Fix the bug"}]}""", ("x-sim-tokens", "9"));

        Assert.Equal(200, (int)response.StatusCode);
        var compaction = SseEvents.Json(await response.Content.ReadAsStringAsync());
        Assert.Equal("response.compaction", compaction.GetProperty("object").GetString());
        Assert.StartsWith("resp_", compaction.GetProperty("id").GetString(), StringComparison.Ordinal);
        var item = Assert.Single(compaction.GetProperty("output").EnumerateArray());
        Assert.Equal("compaction", item.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(item.GetProperty("encrypted_content").GetString()));
        var usage = compaction.GetProperty("usage");
        Assert.Equal(9, usage.GetProperty("output_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("input_tokens").GetInt32() + 9, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Compaction_OfAPreviousResponse_NeedsTheStoreToHoldIt()
    {
        using var created = await simulator.PostAsync("/v1/responses", """{"model":"gpt-5","input":"Remember 7"}""");
        var id = SseEvents.Json(await created.Content.ReadAsStringAsync()).GetProperty("id").GetString();

        using var held = await simulator.PostAsync("/v1/responses/compact", $$"""{"model":"gpt-5","previous_response_id":"{{id}}"}""");
        using var unknown = await simulator.PostAsync("/v1/responses/compact", """{"model":"gpt-5","previous_response_id":"resp_unknown"}""");

        Assert.Equal(200, (int)held.StatusCode);
        Assert.Equal(400, (int)unknown.StatusCode);
        Assert.Equal(
            """{"error":{"message":"Previous response with id 'resp_unknown' not found.","type":"invalid_request_error","param":"previous_response_id","code":"previous_response_not_found"}}""",
            await unknown.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("""{"input":"Hi"}""", "you must provide a model parameter")]
    [InlineData("""{"model":"gpt-4.1","input":""", "We could not parse the JSON body of your request.")]
    public async Task MissingModelOrInvalidJson_IsA400InOpenAIShape(string body, string message)
    {
        using var response = await simulator.PostAsync("/v1/responses", body);

        Assert.Equal(400, (int)response.StatusCode);
        var error = SseEvents.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");
        Assert.StartsWith(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    private ResponsesClient Client(params (string Name, string Value)[] headers) => SimulatorResponsesClient.Create(simulator, headers);
}
