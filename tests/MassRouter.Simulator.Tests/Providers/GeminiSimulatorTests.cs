using System.Text.Json;
using MassRouter.Simulator.Tests.Infrastructure;

namespace MassRouter.Simulator.Tests.Providers;

[Collection(SimulatorCollection.Name)]
public sealed class GeminiSimulatorTests(SimulatorFixture simulator)
{
    private const string Prompt = """{"contents":[{"role":"user","parts":[{"text":"Hi"}]}]}""";

    [Fact]
    public async Task StreamGenerateContent_RepeatsCumulativeUsageOnEveryChunk()
    {
        var body = await simulator.PostOkAsync("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", Prompt, ("x-sim-tokens", "6"), ("x-sim-chunk-size", "2"));

        Assert.Contains("}\r\n\r\ndata: ", body, StringComparison.Ordinal);
        var chunks = SseEvents.Parse(body).Select(e => SseEvents.Json(e.Data)).ToList();
        Assert.Equal(4, chunks.Count);
        Assert.Equal([2, 4, 6, 6], chunks.Select(c => c.GetProperty("usageMetadata").GetProperty("candidatesTokenCount").GetInt32()));
        var prompt = chunks[0].GetProperty("usageMetadata").GetProperty("promptTokenCount").GetInt32();
        Assert.All(chunks, c => Assert.Equal(prompt, c.GetProperty("usageMetadata").GetProperty("promptTokenCount").GetInt32()));
        Assert.Equal("Hello from the MassRouter simulator.", string.Concat(chunks.Select(Text)));
        Assert.Equal("STOP", chunks[^1].GetProperty("candidates")[0].GetProperty("finishReason").GetString());
        Assert.All(chunks[..^1], c => Assert.False(c.GetProperty("candidates")[0].TryGetProperty("finishReason", out _)));
        Assert.All(chunks, c => Assert.Equal("gemini-2.5-flash", c.GetProperty("modelVersion").GetString()));
    }

    [Fact]
    public async Task StreamWithoutAltSse_IsOneJsonArray()
    {
        var body = await simulator.PostOkAsync("/v1beta/models/gemini-2.5-flash:streamGenerateContent", Prompt, ("x-sim-tokens", "3"));

        using var document = JsonDocument.Parse(body);
        Assert.Equal(4, document.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task GenerateContent_HasTextFinishReasonAndUsage()
    {
        var body = await simulator.PostOkAsync(
            "/v1beta/models/gemini-2.5-pro:generateContent",
            """{"contents":[{"role":"user","parts":[{"text":"Hi"}]}],"generationConfig":{"maxOutputTokens":3,"thinkingConfig":{"includeThoughts":true}}}""",
            ("x-sim-tokens", "5"));

        var root = SseEvents.Json(body);
        var parts = root.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts");
        Assert.True(parts[0].GetProperty("thought").GetBoolean());
        Assert.Equal("MAX_TOKENS", root.GetProperty("candidates")[0].GetProperty("finishReason").GetString());
        Assert.Equal(3, root.GetProperty("usageMetadata").GetProperty("thoughtsTokenCount").GetInt32());
        Assert.Equal("gemini-2.5-pro", root.GetProperty("modelVersion").GetString());
    }

    [Fact]
    public async Task ModeAny_CallsTheDeclaredFunctionInOneChunk()
    {
        const string Request = """
            {"contents":[{"role":"user","parts":[{"text":"Weather in Paris?"}]}],
             "tools":[{"functionDeclarations":[{"name":"get_weather","parameters":{"type":"OBJECT","properties":{"city":{"type":"STRING"}}}}]}],
             "toolConfig":{"functionCallingConfig":{"mode":"ANY"}}}
            """;
        var body = await simulator.PostOkAsync("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", Request);

        var chunks = SseEvents.Parse(body).Select(e => SseEvents.Json(e.Data)).ToList();
        var call = chunks[0].GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0].GetProperty("functionCall");
        Assert.Equal("get_weather", call.GetProperty("name").GetString());
        Assert.Equal("simulated", call.GetProperty("args").GetProperty("city").GetString());
        Assert.Equal(2, chunks.Count);
    }

    [Fact]
    public async Task StatusFault_IsAGoogleError()
    {
        using var response = await simulator.PostAsync("/v1beta/models/gemini-2.5-flash:generateContent", Prompt, ("x-sim-fault", "status:429"));
        var error = SseEvents.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");

        Assert.Equal(429, (int)response.StatusCode);
        Assert.Equal(429, error.GetProperty("code").GetInt32());
        Assert.Equal("RESOURCE_EXHAUSTED", error.GetProperty("status").GetString());
    }

    [Fact]
    public async Task MidstreamErrorFault_SendsAnErrorChunkAndEnds()
    {
        var body = await simulator.PostOkAsync("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", Prompt, ("x-sim-fault", "midstream-error:1"));

        var events = SseEvents.Parse(body);
        Assert.Equal(2, events.Count);
        Assert.Equal("INTERNAL", SseEvents.Json(events[1].Data).GetProperty("error").GetProperty("status").GetString());
    }

    [Fact]
    public async Task UnknownMethod_IsNotFound()
    {
        using var response = await simulator.PostAsync("/v1beta/models/gemini-2.5-flash:countTokens", Prompt);

        Assert.Equal(404, (int)response.StatusCode);
    }

    private static string Text(JsonElement chunk) =>
        chunk.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString()!;
}
