using System.Net;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Translation;

/// <summary>
/// What a client gets is what the provider would have sent it directly: no member the gateway caused, nothing it needs
/// dropped, and the model named the same way whatever the provider's wire format.
/// </summary>
public class ResponseFidelityTests(TranslatingGatewayFixture gateway) : IClassFixture<TranslatingGatewayFixture>
{
    private const string OpenAIStream = "openai/openai-chat-stream-parallel-tool-calls-include-usage.sse";
    private const string Hello = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task PassthroughStream_ClientDidNotAskForUsage_GetsTheProvidersBytesWithoutUsage()
    {
        var recorded = await File.ReadAllTextAsync(Path.Combine(GatewayFixture.FixturesPath, OpenAIStream));
        var body = await PostAsync(gateway.ChatRequest($$"""{"model":"gpt","stream":true,{{Hello}}}""", OpenAIStream, "passthrough-no-usage"));

        // OpenAI without include_usage: no usage member on any chunk, and no usage chunk.
        var events = recorded.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var expected = string.Concat(events.Where(e => !e.Contains("\"choices\":[],\"usage\":{", StringComparison.Ordinal)).Select(e => e + "\n\n"))
            .Replace(",\"usage\":null", "", StringComparison.Ordinal);
        Assert.Equal(expected, body);
        Assert.DoesNotContain("usage", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PassthroughStream_ClientAskedForUsage_IsRelayedByteForByte()
    {
        var recorded = await File.ReadAllTextAsync(Path.Combine(GatewayFixture.FixturesPath, OpenAIStream));
        var body = await PostAsync(gateway.ChatRequest($$"""{"model":"gpt","stream":true,"stream_options":{"include_usage":true},{{Hello}}}""", OpenAIStream, "passthrough-usage"));

        Assert.Equal(recorded, body);
    }

    [Theory]
    [InlineData("""{"error":{"message":"boom","type":"server_error","param":null,"code":null},"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""")]
    [InlineData("""{"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4},"error":{"message":"boom","code":502}}""")]
    public async Task UpstreamErrorChunkWithUsageButNoChoices_ReachesTheClient_ThenDone(string errorChunk)
    {
        var sse = $"data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"Hel\"}},\"finish_reason\":null}}],\"usage\":null}}\n\ndata: {errorChunk}\n\n";
        var body = await PostAsync(gateway.ChatRequestAnsweredWith($$"""{"model":"gpt","stream":true,{{Hello}}}""", sse));

        var events = Data(body);
        Assert.Equal(["{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}", errorChunk, "[DONE]"], events);
    }

    [Theory]
    [InlineData("command", "cohere/cohere-v2-stream-text-raw.sse")]
    [InlineData("claude", "anthropic/anthropic-stream-text-raw.sse")]
    [InlineData("gemini", "google/gemini-stream-usage-every-chunk-raw.sse")]
    public async Task TranslatedStream_CarriesUsageNull_OnlyWhenTheClientAskedForUsage(string model, string fixture)
    {
        var asked = Data(await PostAsync(gateway.ChatRequest($$"""{"model":"{{model}}","stream":true,"stream_options":{"include_usage":true},{{Hello}}}""", fixture, model + "-usage")));
        var chunks = asked.SkipLast(1).Select(e => JsonNode.Parse(e)!.AsObject()).ToList();
        Assert.All(chunks.SkipLast(1), c => Assert.True(c.TryGetPropertyValue("usage", out var usage) && usage is null, c.ToJsonString()));
        Assert.NotNull(chunks[^1]["usage"]);

        var notAsked = Data(await PostAsync(gateway.ChatRequest($$"""{"model":"{{model}}","stream":true,{{Hello}}}""", fixture, model + "-no-usage")));
        Assert.All(notAsked, e => Assert.DoesNotContain("usage", e, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("command", "cohere/cohere-v2-text.json", "command-r")]
    [InlineData("command", "cohere/cohere-v2-stream-text-raw.sse", "command-r")]
    [InlineData("claude", "anthropic/anthropic-text.json", "claude-sonnet-4-5-20250929")]
    [InlineData("gpt", "openai/openai-chat-text.json", "gpt-4.1-nano-2025-04-14")]
    public async Task ChatAnswer_NamesTheUpstreamModel(string model, string fixture, string upstream)
    {
        var stream = fixture.EndsWith(".sse", StringComparison.Ordinal);
        var body = await PostAsync(gateway.ChatRequest($$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},{{Hello}}}""", fixture, model + "-model"));

        var models = stream
            ? Data(body).SkipLast(1).Select(e => JsonNode.Parse(e)!["model"]!.GetValue<string>()).Distinct().ToList()
            : [JsonNode.Parse(body)!["model"]!.GetValue<string>()];
        Assert.Equal(upstream, Assert.Single(models));
    }

    [Theory]
    [InlineData("cohere/cohere-v2-text.json")]
    [InlineData("cohere/cohere-v2-stream-text-raw.sse")]
    public async Task MessagesAnswer_NamesTheUpstreamModel(string fixture)
    {
        var stream = fixture.EndsWith(".sse", StringComparison.Ordinal);
        var body = await PostAsync(gateway.MessagesRequest($$"""{"model":"command","max_tokens":100,"stream":{{(stream ? "true" : "false")}},{{Hello}}}""", fixture));

        var message = stream
            ? JsonNode.Parse(Data(body).First())!["message"]!
            : JsonNode.Parse(body)!;
        Assert.Equal("command-r", message["model"]!.GetValue<string>());
    }

    private async Task<string> PostAsync(HttpRequestMessage request)
    {
        using (request)
        {
            using var cancel = new CancellationTokenSource(Deadline);
            using var response = await gateway.Http.SendAsync(request, cancel.Token);
            var body = await response.Content.ReadAsStringAsync(cancel.Token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            return body;
        }
    }

    /// <summary>The data of each event of a stream.</summary>
    private static List<string> Data(string sse) =>
        [.. sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => string.Join("\n", e.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l["data: ".Length..])))
            .Where(d => d.Length > 0)];
}
