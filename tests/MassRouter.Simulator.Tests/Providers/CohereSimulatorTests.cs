using MassRouter.Simulator.Tests.Infrastructure;

namespace MassRouter.Simulator.Tests.Providers;

[Collection(SimulatorCollection.Name)]
public sealed class CohereSimulatorTests(SimulatorFixture simulator)
{
    private const string Prompt = """{"model":"command-a-03-2025","messages":[{"role":"user","content":"Hi"}]}""";

    [Fact]
    public async Task Stream_HasCohereEventsUsageAndDone()
    {
        var body = await simulator.PostOkAsync(
            "/v2/chat", """{"model":"command-a-03-2025","stream":true,"messages":[{"role":"user","content":"Hi"}]}""", ("x-sim-tokens", "3"));

        var events = SseEvents.Parse(body);
        Assert.Equal(
            ["message-start", "content-start", "content-delta", "content-delta", "content-delta", "content-end", "message-end", null],
            events.Select(e => e.Event));
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.All(events[..^1], e => Assert.Equal(e.Event, SseEvents.Json(e.Data).GetProperty("type").GetString()));
        var end = SseEvents.Json(events[^2].Data).GetProperty("delta");
        Assert.Equal("COMPLETE", end.GetProperty("finish_reason").GetString());
        Assert.Equal(3, end.GetProperty("usage").GetProperty("tokens").GetProperty("output_tokens").GetInt32());
        Assert.Equal(" from", SseEvents.Json(events[3].Data).GetProperty("delta").GetProperty("message").GetProperty("content").GetProperty("text").GetString());
    }

    [Fact]
    public async Task RequiredToolChoice_StreamsToolCallFragments()
    {
        const string Request = """
            {"model":"command-a-03-2025","stream":true,"messages":[{"role":"user","content":"Weather in Paris?"}],
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
             "tool_choice":"REQUIRED"}
            """;
        var events = SseEvents.Parse(await simulator.PostOkAsync("/v2/chat", Request));

        var start = SseEvents.Json(events[1].Data).GetProperty("delta").GetProperty("message").GetProperty("tool_calls");
        Assert.Equal("tool-call-start", events[1].Event);
        Assert.Equal("get_weather", start.GetProperty("function").GetProperty("name").GetString());
        var arguments = string.Concat(events.Where(e => e.Event == "tool-call-delta").Select(e =>
            SseEvents.Json(e.Data).GetProperty("delta").GetProperty("message").GetProperty("tool_calls").GetProperty("function").GetProperty("arguments").GetString()));
        Assert.Equal("""{"city":"simulated"}""", arguments);
        Assert.Equal("TOOL_CALL", SseEvents.Json(events[^2].Data).GetProperty("delta").GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Chat_HasThinkingTextAndUsage()
    {
        var root = SseEvents.Json(await simulator.PostOkAsync(
            "/v2/chat",
            """{"model":"command-a-reasoning-08-2025","thinking":{"type":"enabled"},"max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""",
            ("x-sim-tokens", "4")));

        var content = root.GetProperty("message").GetProperty("content");
        Assert.Equal("thinking", content[0].GetProperty("type").GetString());
        Assert.Equal("Hello", content[1].GetProperty("text").GetString());
        Assert.Equal("MAX_TOKENS", root.GetProperty("finish_reason").GetString());
        Assert.Equal(5, root.GetProperty("usage").GetProperty("billed_units").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task StatusFault_IsACohereError()
    {
        using var response = await simulator.PostAsync("/v2/chat", Prompt, ("x-sim-fault", "status:401"));
        var root = SseEvents.Json(await response.Content.ReadAsStringAsync());

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("invalid api token", root.GetProperty("message").GetString());
        Assert.True(Guid.TryParse(root.GetProperty("id").GetString(), out _));
    }

    [Fact]
    public async Task MidstreamErrorFault_EndsWithErrorFinishReason()
    {
        var events = SseEvents.Parse(await simulator.PostOkAsync(
            "/v2/chat", """{"model":"command-a-03-2025","stream":true,"messages":[]}""", ("x-sim-fault", "midstream-error:2")));

        Assert.Equal(2, events.Count(e => e.Event == "content-delta"));
        Assert.Equal("ERROR", SseEvents.Json(events[^2].Data).GetProperty("delta").GetProperty("finish_reason").GetString());
        Assert.Equal("[DONE]", events[^1].Data);
    }
}
