using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using MassRouter.Simulator.Tests.Infrastructure;

namespace MassRouter.Simulator.Tests.Providers;

/// <summary>
/// OpenAI's legacy Completions API (<c>POST /v1/completions</c>): <c>text_completion</c> bodies and streams in OpenAI's
/// member order, a choice per prompt and <c>n</c>, <c>max_tokens</c>, <c>echo</c>, usage, the Azure deployment path,
/// refusals and faults.
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class OpenAITextCompletionsSimulatorTests(SimulatorFixture simulator)
{
    private const string CompletionsPath = "/v1/completions";

    [Fact]
    public async Task Completion_IsATextCompletion_InOpenAIsMemberOrder_WithUsage()
    {
        var root = SseEvents.Json(await simulator.PostOkAsync(
            CompletionsPath, """{"model":"gpt-3.5-turbo-instruct","prompt":"Say this is a test","suffix":"!"}""", ("x-sim-tokens", "4")));

        Assert.Equal(["id", "object", "created", "model", "choices", "usage"], Names(root));
        Assert.Matches("^cmpl-[A-Za-z0-9]{29}$", root.GetProperty("id").GetString());
        Assert.Equal("text_completion", root.GetProperty("object").GetString());
        Assert.InRange(root.GetProperty("created").GetInt64(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal("gpt-3.5-turbo-instruct", root.GetProperty("model").GetString());
        var choice = Assert.Single(root.GetProperty("choices").EnumerateArray());
        Assert.Equal(["text", "index", "logprobs", "finish_reason"], Names(choice));
        Assert.Equal("Hello from the MassRouter", choice.GetProperty("text").GetString());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());

        // The prompt's 18 bytes, four a token.
        var usage = root.GetProperty("usage");
        Assert.Equal(["prompt_tokens", "completion_tokens", "total_tokens"], Names(usage));
        Assert.Equal([4, 4, 8], Names(usage).Select(name => usage.GetProperty(name).GetInt32()));
    }

    [Fact]
    public async Task Stream_SendsTextChunks_ThenAFinishChunk_ThenDone()
    {
        var events = SseEvents.Parse(await simulator.PostOkAsync(
            CompletionsPath, """{"model":"gpt-3.5-turbo-instruct","prompt":"Hi","stream":true}""", ("x-sim-tokens", "3"), ("x-sim-chunk-size", "2")));

        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events[..^1].Select(e => SseEvents.Json(e.Data)).ToList();
        Assert.Equal(3, chunks.Count);
        Assert.All(chunks, c =>
        {
            Assert.Equal(["id", "object", "created", "choices", "model"], Names(c));
            Assert.Equal("text_completion", c.GetProperty("object").GetString());
            Assert.Equal("gpt-3.5-turbo-instruct", c.GetProperty("model").GetString());
            Assert.Equal(["text", "index", "logprobs", "finish_reason"], Names(Choice(c)));
        });
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());
        Assert.Equal(["Hello from", " the", ""], chunks.Select(c => Choice(c).GetProperty("text").GetString()));
        Assert.Equal([null, null, "stop"], chunks.Select(c => Choice(c).GetProperty("finish_reason").GetString()));
    }

    [Fact]
    public async Task StreamWithIncludeUsage_EndsWithAUsageChunk_AndEveryOtherChunkHasUsageNull()
    {
        var events = SseEvents.Parse(await simulator.PostOkAsync(
            CompletionsPath,
            """{"model":"m","prompt":"Twelve bytes","stream":true,"stream_options":{"include_usage":true}}""",
            ("x-sim-tokens", "2")));

        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events[..^1].Select(e => SseEvents.Json(e.Data)).ToList();
        Assert.All(chunks[..^1], c =>
        {
            Assert.Equal(["id", "object", "created", "choices", "model", "usage"], Names(c));
            Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind);
        });

        var last = chunks[^1];
        Assert.Equal(["id", "object", "created", "choices", "model", "usage"], Names(last));
        Assert.Empty(last.GetProperty("choices").EnumerateArray());
        Assert.Equal("""{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}""", last.GetProperty("usage").GetRawText());
    }

    [Fact]
    public async Task Stream_IsPacedByTheControlHeaders()
    {
        var events = await ReadTimedAsync(
            """{"model":"m","prompt":"Hi","stream":true}""", ("x-sim-tokens", "3"), ("x-sim-ttft-ms", "60"), ("x-sim-itl-ms", "30"));

        // Tokens due 60, 90 and 120 ms after the simulator got the request (after it was sent), then the finish chunk and [DONE].
        Assert.Equal(5, events.Count);
        Assert.All([60, 90, 120], (due, i) => Assert.True(events[i].At >= TimeSpan.FromMilliseconds(due), $"token {i} at {events[i].At.TotalMilliseconds} ms"));
        Assert.True(events[0].At < events[2].At, "the tokens came together");
    }

    [Fact]
    public async Task PromptArrayAndN_GiveAChoicePerPromptAndN_IndexedPromptByPrompt_WithEcho()
    {
        var root = SseEvents.Json(await simulator.PostOkAsync(
            CompletionsPath, """{"model":"m","prompt":["First. ","Second, \"quoted\"\n"],"n":2,"echo":true}""", ("x-sim-tokens", "2")));

        var choices = root.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2, 3], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(
            ["First. Hello from", "First. Hello from", "Second, \"quoted\"\nHello from", "Second, \"quoted\"\nHello from"],
            choices.Select(c => c.GetProperty("text").GetString()));

        // 7 and 17 bytes of prompt: 1 + 4 tokens; 4 choices of 2 tokens, the echo not billed.
        Assert.Equal(5, root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(8, root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task StreamWithPromptArrayAndEcho_SendsEachChoicesPromptFirst_ThenInterleavesRounds()
    {
        var events = SseEvents.Parse(await simulator.PostOkAsync(
            CompletionsPath, """{"model":"m","prompt":["A: ","B: "],"n":2,"echo":true,"stream":true}""", ("x-sim-tokens", "2")));

        var choices = events[..^1].Select(e => Choice(SseEvents.Json(e.Data))).ToList();
        Assert.Equal([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(["A: ", "A: ", "B: ", "B: "], choices[..4].Select(c => c.GetProperty("text").GetString()));
        Assert.All(choices[4..8], c => Assert.Equal("Hello", c.GetProperty("text").GetString()));
        Assert.All(choices[12..], c => Assert.Equal("stop", c.GetProperty("finish_reason").GetString()));
    }

    [Fact]
    public async Task TokenIdPrompts_CountOneTokenAnId_AndEchoAsTheSimulatorsWords()
    {
        var root = SseEvents.Json(await simulator.PostOkAsync(
            CompletionsPath, """{"model":"m","prompt":[[1,2,3],[4]],"echo":true,"max_tokens":1}""", ("x-sim-tokens", "2")));

        Assert.Equal([" from the MassRouterHello", " simulatorHello"], root.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("text").GetString()));
        Assert.Equal(4, root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task MaxTokensBelowTheAnswer_CutsItWithFinishReasonLength()
    {
        var completion = SseEvents.Json(await simulator.PostOkAsync(CompletionsPath, """{"model":"m","prompt":"Hi","max_tokens":3}""", ("x-sim-tokens", "8")));
        var choice = Assert.Single(completion.GetProperty("choices").EnumerateArray());
        Assert.Equal("Hello from the", choice.GetProperty("text").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(3, completion.GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        var events = SseEvents.Parse(await simulator.PostOkAsync(CompletionsPath, """{"model":"m","prompt":"Hi","max_tokens":3,"stream":true}""", ("x-sim-tokens", "8")));
        Assert.Equal(["Hello", " from", " the", ""], events[..^1].Select(e => Choice(SseEvents.Json(e.Data)).GetProperty("text").GetString()));
        Assert.Equal("length", Choice(SseEvents.Json(events[^2].Data)).GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task MaxTokensZero_WithEcho_AnswersThePromptAlone()
    {
        var root = SseEvents.Json(await simulator.PostOkAsync(CompletionsPath, """{"model":"m","prompt":"Score me","max_tokens":0,"echo":true}"""));

        var choice = Assert.Single(root.GetProperty("choices").EnumerateArray());
        Assert.Equal("Score me", choice.GetProperty("text").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(0, root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task AzureDeploymentPath_AnswersWithTheDeploymentAsModel()
    {
        var root = SseEvents.Json(await simulator.PostOkAsync("/openai/deployments/my-instruct/completions?api-version=2024-10-21", """{"prompt":"Hi"}"""));

        Assert.Equal("my-instruct", root.GetProperty("model").GetString());
        Assert.Equal("text_completion", root.GetProperty("object").GetString());
    }

    [Theory]
    [InlineData("""{"model":"m"}""", "Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter")]
    [InlineData("""{"model":"m","prompt":42}""", "'$.prompt' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", null, null)]
    [InlineData("""{"model":"m","prompt":["a",[1]]}""", "'$.prompt' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", null, null)]
    [InlineData("""{"model":"m","prompt":[[1],[]]}""", "'$.prompt' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", null, null)]
    [InlineData("""{"prompt":"Hi"}""", "you must provide a model parameter", null, null)]
    [InlineData("""{"model":"m","prompt":"Hi","n":0}""", "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.", "n", "integer_below_min_value")]
    [InlineData("""{"model":"m","prompt":"Hi","max_tokens":-1}""", "Invalid 'max_tokens': integer below minimum value. Expected a value >= 0, but got -1 instead.", "max_tokens", "integer_below_min_value")]
    [InlineData("""{"model":"m","prompt":""", "We could not parse the JSON body of your request.", null, null)]
    public async Task RefusedRequests_Get400InOpenAIShape(string body, string message, string? param, string? code)
    {
        using var response = await simulator.PostAsync(CompletionsPath, body);

        await OpenAIInvalidRequest.AssertAsync(response, message, param, code);
    }

    [Fact]
    public async Task StatusFault_GetsOpenAIsErrorBodyWithRetryAfter()
    {
        using var response = await simulator.PostAsync(CompletionsPath, """{"model":"m","prompt":"Hi"}""", ("x-sim-fault", "status:429"));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.Equal("rate_limit_exceeded", SseEvents.Json(await response.Content.ReadAsStringAsync()).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task MidstreamErrorFault_EndsTheStreamWithChatsErrorEvent()
    {
        var events = SseEvents.Parse(await simulator.PostOkAsync(
            CompletionsPath, """{"model":"m","prompt":"Hi","stream":true}""", ("x-sim-tokens", "5"), ("x-sim-fault", "midstream-error:2")));

        Assert.Equal(3, events.Count);
        Assert.Equal(["Hello", " from"], events[..2].Select(e => Choice(SseEvents.Json(e.Data)).GetProperty("text").GetString()));
        Assert.Equal("server_error", SseEvents.Json(events[^1].Data).GetProperty("error").GetProperty("type").GetString());
    }

    private static IEnumerable<string> Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name);

    private static JsonElement Choice(JsonElement chunk) => Assert.Single(chunk.GetProperty("choices").EnumerateArray());

    /// <summary>Streams a completion and notes when each data line arrived, counted from the request's sending.</summary>
    private async Task<List<(TimeSpan At, string Data)>> ReadTimedAsync(string body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, CompletionsPath) { Content = new StringContent(body, MediaTypeHeaderValue.Parse("application/json")) };
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        var started = Stopwatch.GetTimestamp();
        using var response = await simulator.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<(TimeSpan, string)>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add((Stopwatch.GetElapsedTime(started), line["data: ".Length..]));
            }
        }

        return events;
    }
}
