// The SDK marks its Responses client experimental; it is what OpenAI SDK users call.
#pragma warning disable OPENAI001
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MassRouter.Simulator.Providers.OpenAI;
using MassRouter.Simulator.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Responses;

namespace MassRouter.Simulator.Tests.Providers;

/// <summary>
/// The Responses API's background mode: <c>POST /v1/responses</c> with <c>background</c> on answers at once with the
/// response queued and generates it apart from the request; <c>GET /v1/responses/{id}</c> polls it, or with
/// <c>?stream=true&amp;starting_after=N</c> resumes its stream; <c>POST …/cancel</c> and <c>DELETE</c> stop it.
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed partial class OpenAIBackgroundResponsesSimulatorTests(SimulatorFixture simulator)
{
    private const string Generated5 = "Hello from the MassRouter simulator";
    private const string Background = """{"model":"gpt-4.1","input":"Hi","background":true}""";
    private const string StreamedBackground = """{"model":"gpt-4.1","input":"Hi","background":true,"stream":true}""";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Background_IsQueuedAtOnce_ThenInProgress_ThenCompletedWithUsage()
    {
        var hold = Guid.NewGuid().ToString("N");
        var created = SseEvents.Json(await simulator.PostOkAsync("/v1/responses", Background, ("x-sim-tokens", "5"), ("x-sim-fault", "hold:" + hold)));

        Assert.Matches("^resp_[0-9a-f]{48}$", created.GetProperty("id").GetString());
        Assert.Equal("queued", created.GetProperty("status").GetString());
        Assert.True(created.GetProperty("background").GetBoolean());
        Assert.Empty(created.GetProperty("output").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("usage").ValueKind);
        var id = created.GetProperty("id").GetString()!;

        // The hold stops the generation after its first chunk: in progress until released.
        var inProgress = await PollAsync(id, "in_progress");
        Assert.Equal(JsonValueKind.Null, inProgress.GetProperty("usage").ValueKind);
        await ReleaseAsync(hold);
        var completed = await PollAsync(id, "completed");

        Assert.True(completed.GetProperty("background").GetBoolean());
        Assert.Equal(5, completed.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        Assert.Equal(created.GetProperty("created_at").GetInt64(), completed.GetProperty("created_at").GetInt64());
        var text = completed.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString();
        Assert.Equal(Generated5, text);

        // The body a request without background gets, but for its ids, time and background. Its request is as long (the
        // simulator counts input tokens by length), null being no background.
        var foreground = await simulator.PostOkAsync("/v1/responses", """{"model":"gpt-4.1","input":"Hi","background":null}""", ("x-sim-tokens", "5"));
        Assert.Equal(
            Normalized(foreground).Replace("\"background\":false", "\"background\":true", StringComparison.Ordinal),
            Normalized(completed.GetRawText()));
    }

    [Fact]
    public async Task Background_IsPolledBySdk()
    {
        var client = SimulatorResponsesClient.Create(simulator, ("x-sim-tokens", "5"), ("x-sim-ttft-ms", "20"));
        var options = new CreateResponseOptions("gpt-4.1", [ResponseItem.CreateUserMessageItem("Hi")]) { BackgroundModeEnabled = true };

        var response = (await client.CreateResponseAsync(options)).Value;

        Assert.Equal(ResponseStatus.Queued, response.Status);
        Assert.True(response.BackgroundModeEnabled);
        using var deadline = new CancellationTokenSource(Deadline);
        while (response.Status is ResponseStatus.Queued or ResponseStatus.InProgress)
        {
            await Task.Delay(10, deadline.Token);
            response = (await client.GetResponseAsync(response.Id, deadline.Token)).Value;
        }

        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.Equal(Generated5, response.GetOutputText());
        Assert.Equal(5, response.Usage.OutputTokenCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Background_WithoutStore_IsA400(bool stream)
    {
        var body = $$"""{"model":"gpt-4.1","input":"Hi","background":true,"store":false,"stream":{{(stream ? "true" : "false")}}}""";

        using var response = await simulator.PostAsync("/v1/responses", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(
            """{"error":{"message":"background=true requires store=true.","type":"invalid_request_error","param":"background","code":"unsupported_parameter"}}""",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task BackgroundStream_StartsQueued_AndGoesOnAfterTheClientLeaves()
    {
        string id;
        using (var stream = await OpenStreamAsync("/v1/responses", StreamedBackground, ("x-sim-tokens", "20"), ("x-sim-chunk-size", "1"), ("x-sim-itl-ms", "20")))
        {
            var events = await stream.ReadUntilAsync(e => e.Event == "response.output_text.delta");

            Assert.Equal(
                ["response.created", "response.queued", "response.in_progress", "response.output_item.added", "response.content_part.added", "response.output_text.delta"],
                events.Select(e => e.Event));
            Assert.Equal([0, 1, 2, 3, 4, 5], events.Select(SequenceOf));
            var first = SseEvents.Json(events[0].Data).GetProperty("response");
            Assert.Equal("queued", first.GetProperty("status").GetString());
            Assert.True(first.GetProperty("background").GetBoolean());
            Assert.Equal("in_progress", SseEvents.Json(events[2].Data).GetProperty("response").GetProperty("status").GetString());
            id = first.GetProperty("id").GetString()!;
        }

        var completed = await PollAsync(id, "completed");

        Assert.Equal(20, completed.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        Assert.True(completed.GetProperty("background").GetBoolean());
    }

    [Fact]
    public async Task Resume_OfAFinishedStream_GivesExactlyTheEventsAfterN()
    {
        var all = SseEvents.Parse(await simulator.PostOkAsync("/v1/responses", StreamedBackground, ("x-sim-tokens", "5"), ("x-sim-chunk-size", "2")));
        Assert.Equal("response.completed", all[^1].Event);
        var completed = SseEvents.Json(all[^1].Data).GetProperty("response");
        var id = completed.GetProperty("id").GetString();

        var replay = await simulator.Http.GetStringAsync($"/v1/responses/{id}?stream=true");
        var after3 = await simulator.Http.GetStringAsync($"/v1/responses/{id}?stream=true&starting_after=3");
        using var afterLast = await simulator.Http.GetAsync($"/v1/responses/{id}?stream=true&starting_after={all.Count - 1}");

        Assert.Equal(all, SseEvents.Parse(replay));
        Assert.Equal(all[4..], SseEvents.Parse(after3));
        Assert.Equal(HttpStatusCode.OK, afterLast.StatusCode);
        Assert.Equal("text/event-stream", afterLast.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await afterLast.Content.ReadAsStringAsync());
        Assert.Equal(completed.GetRawText(), await simulator.Http.GetStringAsync($"/v1/responses/{id}"));
    }

    [Fact]
    public async Task Resume_WhileGenerating_GivesTheEventsAfterN_ThenTheRestAsTheyCome()
    {
        var hold = Guid.NewGuid().ToString("N");
        string id;
        int last;
        using (var stream = await StartHeldStreamAsync(hold, ("x-sim-tokens", "4")))
        {
            id = IdOf(stream.Events[0]);
            last = SequenceOf(stream.Events[^1]);
        }

        using var resumed = await OpenStreamAsync($"/v1/responses/{id}?stream=true&starting_after={last}");
        await ReleaseAsync(hold);
        var rest = await resumed.ReadToEndAsync();

        var all = SseEvents.Parse(await simulator.Http.GetStringAsync($"/v1/responses/{id}?stream=true"));
        Assert.Equal(all[(last + 1)..], rest);
        Assert.Equal(3, rest.Count(e => e.Event == "response.output_text.delta"));
        Assert.Equal("response.completed", rest[^1].Event);
        Assert.Equal(Enumerable.Range(last + 1, rest.Count), rest.Select(SequenceOf));
    }

    [Fact]
    public async Task Cancel_InProgress_EndsCancelled_AndIsIdempotent()
    {
        var hold = Guid.NewGuid().ToString("N");
        var id = SseEvents.Json(await simulator.PostOkAsync("/v1/responses", Background, ("x-sim-fault", "hold:" + hold))).GetProperty("id").GetString()!;
        await PollAsync(id, "in_progress");

        using var cancel = await simulator.Http.PostAsync($"/v1/responses/{id}/cancel", null);
        var cancelled = await cancel.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var json = SseEvents.Json(cancelled);
        Assert.Equal("cancelled", json.GetProperty("status").GetString());
        Assert.True(json.GetProperty("background").GetBoolean());
        Assert.Empty(json.GetProperty("output").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("usage").ValueKind);
        Assert.Equal(cancelled, await simulator.Http.GetStringAsync($"/v1/responses/{id}"));
        using var again = await simulator.Http.PostAsync($"/v1/responses/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(cancelled, await again.Content.ReadAsStringAsync());

        // Released after the cancel: nothing generates any more.
        await ReleaseAsync(hold);
        await Task.Delay(50);
        Assert.Equal(cancelled, await simulator.Http.GetStringAsync($"/v1/responses/{id}"));
    }

    [Fact]
    public async Task Cancel_WhileQueued_EndsCancelled_AndBySdk()
    {
        var client = SimulatorResponsesClient.Create(simulator, ("x-sim-ttft-ms", "30000"));
        var options = new CreateResponseOptions("gpt-4.1", [ResponseItem.CreateUserMessageItem("Hi")]) { BackgroundModeEnabled = true };
        var id = (await client.CreateResponseAsync(options)).Value.Id;
        Assert.Equal(ResponseStatus.Queued, (await client.GetResponseAsync(id)).Value.Status);

        var cancelled = (await client.CancelResponseAsync(id)).Value;

        Assert.Equal(ResponseStatus.Cancelled, cancelled.Status);
        Assert.Equal(ResponseStatus.Cancelled, (await client.GetResponseAsync(id)).Value.Status);
    }

    [Fact]
    public async Task Cancel_OfAStreamingResponse_EndsItsStreamsWithResponseFailed()
    {
        var hold = Guid.NewGuid().ToString("N");
        using var stream = await StartHeldStreamAsync(hold);
        var id = IdOf(stream.Events[0]);
        var last = SequenceOf(stream.Events[^1]);

        using var cancel = await simulator.Http.PostAsync($"/v1/responses/{id}/cancel", null);
        var rest = await stream.ReadToEndAsync();

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var end = Assert.Single(rest);
        Assert.Equal("response.failed", end.Event);
        var response = SseEvents.Json(end.Data).GetProperty("response");
        Assert.Equal("cancelled", response.GetProperty("status").GetString());
        Assert.Equal(await cancel.Content.ReadAsStringAsync(), response.GetRawText());
        Assert.Equal(last + 1, SequenceOf(end));
        Assert.Equal(rest, SseEvents.Parse(await simulator.Http.GetStringAsync($"/v1/responses/{id}?stream=true&starting_after={last}")));
    }

    [Fact]
    public async Task Cancel_OfAFinishedBackgroundResponse_IsA400_AndOfAForegroundOneStill400()
    {
        var background = SseEvents.Json(await simulator.PostOkAsync("/v1/responses", Background)).GetProperty("id").GetString()!;
        await PollAsync(background, "completed");
        var foreground = SseEvents.Json(await simulator.PostOkAsync("/v1/responses", """{"model":"gpt-4.1","input":"Hi"}""")).GetProperty("id").GetString();

        using var finished = await simulator.Http.PostAsync($"/v1/responses/{background}/cancel", null);
        using var notBackground = await simulator.Http.PostAsync($"/v1/responses/{foreground}/cancel", null);

        Assert.Equal(HttpStatusCode.BadRequest, finished.StatusCode);
        Assert.Equal(
            """{"error":{"message":"Cannot cancel a completed response.","type":"invalid_request_error","param":null,"code":null}}""",
            await finished.Content.ReadAsStringAsync());
        Assert.Equal("completed", (await GetAsync(background)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, notBackground.StatusCode);
        Assert.Equal(
            """{"error":{"message":"Only responses created with background=true can be cancelled.","type":"invalid_request_error","param":null,"code":null}}""",
            await notBackground.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MidstreamErrorFault_EndsTheBackgroundResponseFailed(bool stream)
    {
        var body = stream ? StreamedBackground : Background;
        var answer = await simulator.PostOkAsync("/v1/responses", body, ("x-sim-fault", "midstream-error:1"), ("x-sim-chunk-size", "1"));
        var id = stream
            ? IdOf(SseEvents.Parse(answer)[0])
            : SseEvents.Json(answer).GetProperty("id").GetString()!;

        var failed = await PollAsync(id, "failed");

        Assert.Equal(
            """{"code":"server_error","message":"The server had an error while processing your request. Sorry about that!"}""",
            failed.GetProperty("error").GetRawText());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("usage").ValueKind);
        Assert.Empty(failed.GetProperty("output").EnumerateArray());
        if (stream)
        {
            var events = SseEvents.Parse(answer);
            Assert.Equal(1, events.Count(e => e.Event == "response.output_text.delta"));
            Assert.Equal("response.failed", events[^1].Event);
            Assert.Equal(failed.GetRawText(), SseEvents.Json(events[^1].Data).GetProperty("response").GetRawText());
        }
    }

    [Fact]
    public async Task StatusFault_AnswersTheBackgroundRequest()
    {
        using var response = await simulator.PostAsync("/v1/responses", Background, ("x-sim-fault", "status:429"));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("rate_limit_exceeded", SseEvents.Json(await response.Content.ReadAsStringAsync()).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task ResetFault_CutsTheStreamingRequest_NotTheResponse()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses") { Content = new StringContent(StreamedBackground, MediaTypeHeaderValue.Parse("application/json")) };
        request.Headers.Add("x-sim-fault", "reset:2");
        request.Headers.Add("x-sim-chunk-size", "1");
        request.Headers.Add("x-sim-tokens", "6");

        var (_, received) = await simulator.ReadUntilCutAsync(request);

        var events = SseEvents.Parse(received);
        Assert.Equal(2, events.Count(e => e.Event == "response.output_text.delta"));
        var completed = await PollAsync(IdOf(events[0]), "completed");
        Assert.Equal(6, completed.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task Delete_WhileGenerating_StopsIt()
    {
        var hold = Guid.NewGuid().ToString("N");
        using var stream = await StartHeldStreamAsync(hold);
        var id = IdOf(stream.Events[0]);

        using var deleted = await simulator.Http.DeleteAsync($"/v1/responses/{id}");

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal($$"""{"id":"{{id}}","object":"response","deleted":true}""", await deleted.Content.ReadAsStringAsync());
        Assert.Equal("response.failed", Assert.Single(await stream.ReadToEndAsync()).Event);
        using var gone = await simulator.Http.GetAsync($"/v1/responses/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task StreamRetrieve_NeedsAResponseCreatedStreamingInTheBackground()
    {
        var foreground = SseEvents.Json(await simulator.PostOkAsync("/v1/responses", """{"model":"gpt-4.1","input":"Hi"}""")).GetProperty("id").GetString();
        var polled = SseEvents.Json(await simulator.PostOkAsync("/v1/responses", Background)).GetProperty("id").GetString();

        using var notBackground = await simulator.Http.GetAsync($"/v1/responses/{foreground}?stream=true");
        using var notStreamed = await simulator.Http.GetAsync($"/v1/responses/{polled}?stream=true&starting_after=2");

        Assert.Equal(HttpStatusCode.BadRequest, notBackground.StatusCode);
        Assert.Equal(
            """{"error":{"message":"This response cannot be streamed because it was not created with background=true.","type":"invalid_request_error","param":"stream","code":"invalid_request_error"}}""",
            await notBackground.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, notStreamed.StatusCode);
        Assert.Equal(
            """{"error":{"message":"This response cannot be streamed because it was not created with stream=true.","type":"invalid_request_error","param":"stream","code":"invalid_request_error"}}""",
            await notStreamed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task StoppingTheSimulator_EndsItsBackgroundResponses()
    {
        var app = SimulatorHost.Build(new SimulatorOptions(), "--urls", "http://127.0.0.1:0");
        await using (app)
        {
            await app.StartAsync();
            using var http = new HttpClient { BaseAddress = SimulatorHost.GetAddress(app) };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses") { Content = new StringContent(StreamedBackground, MediaTypeHeaderValue.Parse("application/json")) };
            request.Headers.Add("x-sim-fault", "hold:never-released");
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            using var stream = new SseReader(await response.Content.ReadAsStreamAsync());
            await stream.ReadUntilAsync(e => e.Event == "response.output_text.delta");
            var runner = app.Services.GetRequiredService<OpenAIBackgroundRunner>();
            Assert.Equal(1, runner.Count);

            using var deadline = new CancellationTokenSource(Deadline);
            await app.StopAsync(deadline.Token);

            Assert.Equal(0, runner.Count);
            var end = Assert.Single(await stream.ReadToEndAsync());
            Assert.Equal("response.failed", end.Event);
            Assert.Equal("failed", SseEvents.Json(end.Data).GetProperty("response").GetProperty("status").GetString());
        }
    }

    /// <summary>Polls the response until it is in <paramref name="status"/>; fails after the deadline.</summary>
    private async Task<JsonElement> PollAsync(string id, string status)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (true)
        {
            var response = await GetAsync(id, deadline.Token);
            if (response.GetProperty("status").GetString() == status)
            {
                return response;
            }

            await Task.Delay(5, deadline.Token);
        }
    }

    private async Task<JsonElement> GetAsync(string id, CancellationToken cancellationToken = default) =>
        SseEvents.Json(await simulator.Http.GetStringAsync($"/v1/responses/{id}", cancellationToken));

    private async Task ReleaseAsync(string hold) => (await simulator.Http.PostAsync($"/sim/release/{hold}", null)).Dispose();

    /// <summary>Creates a streamed background response that a hold fault stops after its first delta, read up to that delta.</summary>
    private async Task<SseReader> StartHeldStreamAsync(string hold, params (string Name, string Value)[] headers)
    {
        var stream = await OpenStreamAsync("/v1/responses", StreamedBackground, [("x-sim-fault", "hold:" + hold), ("x-sim-chunk-size", "1"), .. headers]);
        await stream.ReadUntilAsync(e => e.Event == "response.output_text.delta");
        return stream;
    }

    /// <summary>The id of the response a response.* event carries.</summary>
    private static string IdOf((string? Event, string Data) responseEvent) =>
        SseEvents.Json(responseEvent.Data).GetProperty("response").GetProperty("id").GetString()!;

    private static int SequenceOf((string? Event, string Data) streamEvent) => SseEvents.Json(streamEvent.Data).GetProperty("sequence_number").GetInt32();

    /// <summary>Sends a POST (with a body) or a GET and returns its event stream once the headers are in.</summary>
    private async Task<SseReader> OpenStreamAsync(string path, string? body = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, MediaTypeHeaderValue.Parse("application/json"));
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        var response = await simulator.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new SseReader(await response.Content.ReadAsStreamAsync(), response);
    }

    /// <summary>The response with its ids and creation time blanked: what two generations of the same answer share.</summary>
    private static string Normalized(string response) => GeneratedIds().Replace(CreatedAt().Replace(response, "\"created_at\":0"), "$1_");

    [GeneratedRegex("\\b(resp|msg)_[0-9a-f]{48}")]
    private static partial Regex GeneratedIds();

    [GeneratedRegex("\"created_at\":[0-9]+")]
    private static partial Regex CreatedAt();

    /// <summary>Reads SSE events off a response body as they arrive, within a deadline; disposing it closes the connection.</summary>
    private sealed class SseReader(Stream body, HttpResponseMessage? response = null) : IDisposable
    {
        private readonly StringBuilder _received = new();
        private readonly byte[] _buffer = new byte[4096];
        private int _consumed;

        /// <summary>The events the reads returned so far.</summary>
        public List<(string? Event, string Data)> Events { get; } = [];

        /// <summary>The events up to and including the first that matches, from where the last read stopped.</summary>
        public async Task<List<(string? Event, string Data)>> ReadUntilAsync(Func<(string? Event, string Data), bool> last)
        {
            using var deadline = new CancellationTokenSource(Deadline);
            while (true)
            {
                var complete = _received.ToString();
                var events = SseEvents.Parse(complete[..(complete.LastIndexOf("\n\n", StringComparison.Ordinal) + 1)]);
                var found = events.FindIndex(_consumed, e => last(e));
                if (found >= 0)
                {
                    var read = events[_consumed..(found + 1)];
                    _consumed = found + 1;
                    Events.AddRange(read);
                    return read;
                }

                var count = await body.ReadAsync(_buffer, deadline.Token);
                Assert.NotEqual(0, count);
                _received.Append(Encoding.UTF8.GetString(_buffer, 0, count));
            }
        }

        /// <summary>The events from where the last read stopped to the end of the stream.</summary>
        public async Task<List<(string? Event, string Data)>> ReadToEndAsync()
        {
            using var deadline = new CancellationTokenSource(Deadline);
            int count;
            while ((count = await body.ReadAsync(_buffer, deadline.Token)) > 0)
            {
                _received.Append(Encoding.UTF8.GetString(_buffer, 0, count));
            }

            var rest = SseEvents.Parse(_received.ToString())[_consumed..];
            _consumed += rest.Count;
            Events.AddRange(rest);
            return rest;
        }

        public void Dispose()
        {
            body.Dispose();
            response?.Dispose();
        }
    }
}
