using System.Text.Json;
using MassRouter.Simulator.Tests.Infrastructure;

namespace MassRouter.Simulator.Tests.Providers;

/// <summary>
/// The generated OpenAI answers beyond one text choice: <c>n</c> choices (interleaved chunk by chunk as in
/// openai-chat-stream-n3-multiple-choices-interleaved.sse) and forced tool calls (as in
/// openai-chat-stream-tool-call-arg-fragments-include-usage.sse and openai-chat-tool-call-weather.response.json).
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class OpenAISimulatorTests(SimulatorFixture simulator)
{
    private const string WeatherTool =
        """[{"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{"zone":{"type":"string"}}}}},{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string"}}}}}]""";

    private const string NamedWeather = """{"type":"function","function":{"name":"get_weather"}}""";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EarlyHeaders_AnswerAStreamAtOnce_ItsFirstEventStillAtTheTimeToFirstToken(bool early)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"Hi"}]}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-sim-ttft-ms", "400");
        request.Headers.Add("x-sim-tokens", "1");
        if (early)
        {
            request.Headers.Add("x-sim-early-headers", "true");
        }

        var sent = System.Diagnostics.Stopwatch.StartNew();
        using var response = await simulator.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var headersAt = sent.Elapsed;
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(early ? headersAt < TimeSpan.FromMilliseconds(300) : headersAt >= TimeSpan.FromMilliseconds(390), $"headers after {headersAt.TotalMilliseconds} ms");
        Assert.True(sent.Elapsed >= TimeSpan.FromMilliseconds(390), "the first event came before the time to first token");
        Assert.Contains("data: [DONE]", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamWithThreeChoices_InterleavesChoicesRoundByRound_AndBillsEveryChoice()
    {
        var events = SseEvents.Parse(await simulator.PostOkAsync(
            "/v1/chat/completions",
            """{"model":"gpt-4o","stream":true,"n":3,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}""",
            ("x-sim-tokens", "4"),
            ("x-sim-chunk-size", "2")));

        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events[..^1].Select(e => SseEvents.Json(e.Data)).ToList();

        // 3 role events, 2 rounds of 3 content events, 3 finish events, the usage chunk.
        Assert.Equal(13, chunks.Count);
        Assert.Equal([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], chunks[..^1].Select(c => Assert.Single(c.GetProperty("choices").EnumerateArray()).GetProperty("index").GetInt32()));
        Assert.All(chunks[..3], c => Assert.Equal("assistant", Delta(c).GetProperty("role").GetString()));
        Assert.Equal(["Hello from", "Hello from", "Hello from", " the MassRouter", " the MassRouter", " the MassRouter"], chunks[3..9].Select(c => Delta(c).GetProperty("content").GetString()));
        Assert.All(chunks[9..12], c => Assert.Equal("stop", Choice(c).GetProperty("finish_reason").GetString()));
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());
        Assert.Empty(chunks[^1].GetProperty("choices").EnumerateArray());
        Assert.Equal(12, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task CompletionWithTwoChoices_HasEachChoiceWhole_AndTheLimitAppliesPerChoice()
    {
        var root = SseEvents.Json(await simulator.PostOkAsync(
            "/v1/chat/completions", """{"model":"gpt-4o","n":2,"max_tokens":3,"messages":[{"role":"user","content":"Hi"}]}""", ("x-sim-tokens", "8")));

        var choices = root.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.All(choices, c =>
        {
            Assert.Equal("Hello from the", c.GetProperty("message").GetProperty("content").GetString());
            Assert.Equal("length", c.GetProperty("finish_reason").GetString());
        });
        Assert.Equal(6, root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Theory]
    [InlineData(0, "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.", "integer_below_min_value")]
    [InlineData(129, "Invalid 'n': integer above maximum value. Expected a value <= 128, but got 129 instead.", "integer_above_max_value")]
    public async Task ChoicesOutOfRange_AreRefusedAsOpenAIRefusesThem(int n, string message, string code)
    {
        using var response = await simulator.PostAsync("/v1/chat/completions", $$"""{"model":"gpt-4o","n":{{n}},"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(400, (int)response.StatusCode);
        var error = SseEvents.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");
        Assert.Equal(message, error.GetProperty("message").GetString());
        Assert.Equal("n", error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task NamedToolChoice_StreamsThatToolsCallInArgumentFragments()
    {
        var events = SseEvents.Parse(await simulator.PostOkAsync(
            "/v1/chat/completions",
            $$"""{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"Weather in Paris?"}],"tools":{{WeatherTool}},"tool_choice":""" + NamedWeather + "}"));

        var chunks = events[..^1].Select(e => SseEvents.Json(e.Data)).ToList();
        var start = Delta(chunks[0]);
        Assert.Equal("assistant", start.GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, start.GetProperty("content").ValueKind);
        var call = Assert.Single(start.GetProperty("tool_calls").EnumerateArray());
        Assert.Equal(0, call.GetProperty("index").GetInt32());
        Assert.Matches("^call_[A-Za-z0-9]{24}$", call.GetProperty("id").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("", call.GetProperty("function").GetProperty("arguments").GetString());

        var fragments = chunks[1..^1].Select(c => Assert.Single(Delta(c).GetProperty("tool_calls").EnumerateArray())).ToList();
        Assert.True(fragments.Count > 1);
        Assert.All(fragments, f => Assert.False(f.TryGetProperty("id", out _)));
        Assert.Equal("""{"city":"simulated","unit":"simulated"}""", string.Concat(fragments.Select(f => f.GetProperty("function").GetProperty("arguments").GetString())));
        Assert.Equal("tool_calls", Choice(chunks[^1]).GetProperty("finish_reason").GetString());
        Assert.Equal("[DONE]", events[^1].Data);
    }

    [Fact]
    public async Task RequiredToolChoice_CallsTheFirstTool_InACompletion()
    {
        var root = SseEvents.Json(await simulator.PostOkAsync(
            "/v1/chat/completions",
            $$"""{"model":"gpt-4o","messages":[{"role":"user","content":"What time is it?"}],"tools":{{WeatherTool}},"tool_choice":"required"}"""));

        var choice = Assert.Single(root.GetProperty("choices").EnumerateArray());
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);
        var call = Assert.Single(message.GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_time", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("""{"zone":"simulated"}""", call.GetProperty("function").GetProperty("arguments").GetString());
        Assert.True(root.GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);
    }

    [Theory]
    [InlineData("\"auto\"")]
    [InlineData("\"none\"")]
    [InlineData("""{"type":"function","function":{"name":"get_stock_price"}}""")]
    [InlineData("42")]
    public async Task ToolChoiceThatForcesNoDeclaredTool_AnswersWithText(string toolChoice)
    {
        var root = SseEvents.Json(await simulator.PostOkAsync(
            "/v1/chat/completions",
            $$"""{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"tools":{{WeatherTool}},"tool_choice":{{toolChoice}}}""",
            ("x-sim-tokens", "2")));

        var choice = Assert.Single(root.GetProperty("choices").EnumerateArray());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal("Hello from", choice.GetProperty("message").GetProperty("content").GetString());
    }

    private static JsonElement Choice(JsonElement chunk) => Assert.Single(chunk.GetProperty("choices").EnumerateArray());

    private static JsonElement Delta(JsonElement chunk) => Choice(chunk).GetProperty("delta");
}
