using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MassRouter.Simulator.Tests.Infrastructure;

namespace MassRouter.Simulator.Tests.Providers;

[Collection(SimulatorCollection.Name)]
public sealed class BedrockSimulatorTests(SimulatorFixture simulator)
{
    private const string Converse = "/model/us.amazon.nova-micro-v1%3A0/converse";
    private const string ConverseStream = "/model/us.amazon.nova-micro-v1%3A0/converse-stream";
    private const string Prompt = """{"messages":[{"role":"user","content":[{"text":"Hi"}]}],"inferenceConfig":{}}""";
    private const string Padding = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const string WeatherTool = """
        "toolConfig":{"tools":[{"toolSpec":{"name":"get_time","inputSchema":{"json":{"type":"object","properties":{"zone":{"type":"string"}}}}}},
                               {"toolSpec":{"name":"get_weather","inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}}}}}}],
        """;

    [Fact]
    public async Task Converse_HasConverseShape()
    {
        using var response = await simulator.PostAsync(Converse, Prompt, ("x-sim-tokens", "3"));
        var root = SseEvents.Json(await response.Content.ReadAsStringAsync());

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(Guid.TryParse(response.Headers.GetValues("x-amzn-RequestId").Single(), out _));
        var message = root.GetProperty("output").GetProperty("message");
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.Equal("Hello from the", message.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("end_turn", root.GetProperty("stopReason").GetString());
        var usage = root.GetProperty("usage");
        Assert.Equal(3, usage.GetProperty("outputTokens").GetInt32());
        Assert.True(usage.GetProperty("inputTokens").GetInt32() > 0);
        Assert.Equal(usage.GetProperty("inputTokens").GetInt32() + 3, usage.GetProperty("totalTokens").GetInt32());
        foreach (var cache in new[] { "cacheReadInputTokens", "cacheReadInputTokenCount", "cacheWriteInputTokens", "cacheWriteInputTokenCount" })
        {
            Assert.Equal(0, usage.GetProperty(cache).GetInt32());
        }

        Assert.True(root.GetProperty("metrics").GetProperty("latencyMs").GetInt64() >= 0);
    }

    [Fact]
    public async Task ConverseStream_IsAnEventStreamOfPaddedConverseEvents()
    {
        var (response, messages) = await StreamAsync(Prompt, ("x-sim-tokens", "5"), ("x-sim-chunk-size", "2"));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/vnd.amazon.eventstream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(Guid.TryParse(response.Headers.GetValues("x-amzn-RequestId").Single(), out _));
        Assert.Equal(
            ["messageStart", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"],
            messages.Select(m => m.EventType));
        Assert.All(messages, m =>
        {
            Assert.Equal([":event-type", ":content-type", ":message-type"], m.Headers.Select(h => h.Key));
            Assert.Equal("application/json", m.Header(":content-type"));
            Assert.Equal("event", m.Header(":message-type"));
            var padding = m.Json().GetProperty("p").GetString()!;
            Assert.True(padding.Length > 0 && Padding.StartsWith(padding, StringComparison.Ordinal), padding);
        });

        Assert.Equal("assistant", messages[0].Json().GetProperty("role").GetString());
        Assert.Equal("Hello from the MassRouter simulator", DeltaText(messages, "text"));
        Assert.All(messages[1..5], m => Assert.Equal(0, m.Json().GetProperty("contentBlockIndex").GetInt32()));
        Assert.Equal("end_turn", messages[5].Json().GetProperty("stopReason").GetString());
        var metadata = messages[6].Json();
        var usage = metadata.GetProperty("usage");
        Assert.Equal(5, usage.GetProperty("outputTokens").GetInt32());
        Assert.Equal(usage.GetProperty("inputTokens").GetInt32() + 5, usage.GetProperty("totalTokens").GetInt32());
        Assert.True(metadata.GetProperty("metrics").GetProperty("latencyMs").GetInt64() >= 0);
    }

    [Theory]
    [InlineData("/model/anthropic.claude-3-haiku-20240307-v1:0/converse")]
    [InlineData("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream")]
    public async Task ModelIds_AsSentByClients_AreRouted(string path)
    {
        using var response = await simulator.PostAsync(path, Prompt);

        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task ConverseStream_IsFlushedEventByEvent()
    {
        // The hold fault stops the stream after its first content event: what arrived by then was flushed as it was written.
        var hold = Guid.NewGuid().ToString("N");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var request = new HttpRequestMessage(HttpMethod.Post, ConverseStream) { Content = new StringContent(Prompt, MediaTypeHeaderValue.Parse("application/json")) };
        request.Headers.Add("x-sim-fault", "hold:" + hold);
        request.Headers.Add("x-sim-tokens", "3");
        using var response = await simulator.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);

        var received = new MemoryStream();
        var buffer = new byte[4096];
        while (CompleteMessages(received.ToArray()) < 2)
        {
            var read = await body.ReadAsync(buffer, timeout.Token);
            Assert.NotEqual(0, read);
            received.Write(buffer, 0, read);
        }

        Assert.Equal(["messageStart", "contentBlockDelta"], EventStreamMessages.Decode(received.ToArray()).Select(m => m.EventType));
        (await simulator.Http.PostAsync($"/sim/release/{hold}", null, timeout.Token)).Dispose();
        await body.CopyToAsync(received, timeout.Token);
        Assert.Equal("metadata", EventStreamMessages.Decode(received.ToArray())[^1].EventType);
    }

    [Fact]
    public async Task MaxTokens_CutsTheStreamWithMaxTokensStopReason()
    {
        var (_, messages) = await StreamAsync(
            """{"messages":[{"role":"user","content":[{"text":"Hi"}]}],"inferenceConfig":{"maxTokens":2}}""", ("x-sim-tokens", "6"));

        Assert.Equal("Hello from", DeltaText(messages, "text"));
        Assert.Equal("max_tokens", messages.Single(m => m.EventType == "messageStop").Json().GetProperty("stopReason").GetString());
        Assert.Equal(2, messages[^1].Json().GetProperty("usage").GetProperty("outputTokens").GetInt32());
    }

    [Fact]
    public async Task AnyToolChoice_StreamsAToolUseOfTheFirstTool()
    {
        var (_, messages) = await StreamAsync(
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Time?\"}]}]," + WeatherTool + "\"toolChoice\":{\"any\":{}}}}");

        Assert.Equal("contentBlockStart", messages[1].EventType);
        var toolUse = messages[1].Json().GetProperty("start").GetProperty("toolUse");
        Assert.Equal("get_time", toolUse.GetProperty("name").GetString());
        Assert.StartsWith("tooluse_", toolUse.GetProperty("toolUseId").GetString(), StringComparison.Ordinal);
        var input = string.Concat(messages.Where(m => m.EventType == "contentBlockDelta")
            .Select(m => m.Json().GetProperty("delta").GetProperty("toolUse").GetProperty("input").GetString()));
        Assert.Equal("""{"zone":"simulated"}""", input);
        Assert.True(messages.Count(m => m.EventType == "contentBlockDelta") > 1);
        Assert.Equal("contentBlockStop", messages[^3].EventType);
        Assert.Equal("tool_use", messages[^2].Json().GetProperty("stopReason").GetString());
    }

    [Fact]
    public async Task NamedToolChoice_AnswersWithThatToolUse()
    {
        var root = SseEvents.Json(await simulator.PostOkAsync(
            Converse, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Weather?\"}]}]," + WeatherTool + "\"toolChoice\":{\"tool\":{\"name\":\"get_weather\"}}}}"));

        var toolUse = root.GetProperty("output").GetProperty("message").GetProperty("content")[0].GetProperty("toolUse");
        Assert.Equal("get_weather", toolUse.GetProperty("name").GetString());
        Assert.Equal("simulated", toolUse.GetProperty("input").GetProperty("city").GetString());
        Assert.Equal("tool_use", toolUse.GetProperty("type").GetString());
        Assert.StartsWith("tooluse_", toolUse.GetProperty("toolUseId").GetString(), StringComparison.Ordinal);
        Assert.Equal("tool_use", root.GetProperty("stopReason").GetString());
    }

    [Fact]
    public async Task Thinking_StreamsReasoningAndSignatureBeforeText()
    {
        const string Request = """
            {"messages":[{"role":"user","content":[{"text":"Hi"}]}],
             "additionalModelRequestFields":{"thinking":{"type":"enabled","budget_tokens":1024}}}
            """;
        var (_, messages) = await StreamAsync(Request, ("x-sim-tokens", "2"), ("x-sim-chunk-size", "2"));

        Assert.Equal(
            ["messageStart", "contentBlockDelta", "contentBlockDelta", "contentBlockStop", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"],
            messages.Select(m => m.EventType));
        var reasoning = messages[1].Json().GetProperty("delta").GetProperty("reasoningContent");
        Assert.Equal("Hello from", reasoning.GetProperty("text").GetString());
        Assert.False(string.IsNullOrEmpty(messages[2].Json().GetProperty("delta").GetProperty("reasoningContent").GetProperty("signature").GetString()));
        Assert.Equal(1, messages[4].Json().GetProperty("contentBlockIndex").GetInt32());
        Assert.Equal("Hello from", messages[4].Json().GetProperty("delta").GetProperty("text").GetString());

        var root = SseEvents.Json(await simulator.PostOkAsync(Converse, Request, ("x-sim-tokens", "2")));
        var content = root.GetProperty("output").GetProperty("message").GetProperty("content");
        Assert.Equal("Hello from", content[0].GetProperty("reasoningContent").GetProperty("reasoningText").GetProperty("text").GetString());
        Assert.Equal("Hello from", content[1].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData(400, "ValidationException")]
    [InlineData(403, "AccessDeniedException")]
    [InlineData(404, "ResourceNotFoundException")]
    [InlineData(408, "ModelTimeoutException")]
    [InlineData(429, "ThrottlingException")]
    [InlineData(500, "InternalServerException")]
    [InlineData(503, "ServiceUnavailableException")]
    public async Task StatusFault_IsABedrockErrorNamedInTheHeader(int status, string exception)
    {
        using var response = await simulator.PostAsync(ConverseStream, Prompt, ("x-sim-fault", $"status:{status}"));
        var root = SseEvents.Json(await response.Content.ReadAsStringAsync());

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(exception + ":http://internal.amazon.com/coral/com.amazon.bedrock/", response.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.Equal(["message"], root.EnumerateObject().Select(p => p.Name));
        Assert.True(Guid.TryParse(response.Headers.GetValues("x-amzn-RequestId").Single(), out _));
    }

    [Fact]
    public async Task MidstreamErrorFault_EndsWithAnExceptionMessage()
    {
        var (_, messages) = await StreamAsync(Prompt, ("x-sim-tokens", "5"), ("x-sim-fault", "midstream-error:2"));

        Assert.Equal(["messageStart", "contentBlockDelta", "contentBlockDelta", null], messages.Select(m => m.EventType));
        var exception = messages[^1];
        Assert.Equal([":exception-type", ":content-type", ":message-type"], exception.Headers.Select(h => h.Key));
        Assert.Equal("exception", exception.Header(":message-type"));
        Assert.Equal("modelStreamErrorException", exception.Header(":exception-type"));
        Assert.False(string.IsNullOrEmpty(exception.Json().GetProperty("message").GetString()));
    }

    [Theory]
    [InlineData("{\"messages\":", "Malformed input request")]
    [InlineData("""{"inferenceConfig":{"maxTokens":10}}""", "A conversation must start with a user message")]
    [InlineData("""{"messages":[],"inferenceConfig":{"maxTokens":10}}""", "A conversation must start with a user message")]
    [InlineData("""{"messages":[{"role":"user","content":[{"text":"Hi"}]}],"inferenceConfig":{"maxTokens":0}}""", "'inferenceConfig.maxTokens'")]
    public async Task InvalidRequest_IsAValidationException(string body, string message)
    {
        foreach (var path in new[] { Converse, ConverseStream })
        {
            using var response = await simulator.PostAsync(path, body);
            var root = SseEvents.Json(await response.Content.ReadAsStringAsync());

            Assert.Equal(400, (int)response.StatusCode);
            Assert.StartsWith("ValidationException:", response.Headers.GetValues("x-amzn-ErrorType").Single(), StringComparison.Ordinal);
            Assert.Contains(message, root.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Bearer ABSKQmVkcm9ja0FQSUtleS1zaW11bGF0ZWQ=")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc123")]
    public async Task AnyAuthorization_IsAcceptedAndRecorded(string authorization)
    {
        var id = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, Converse) { Content = new StringContent(Prompt, MediaTypeHeaderValue.Parse("application/json")) };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        request.Headers.Add("x-sim-request-id", id);
        using var response = await simulator.Http.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);

        var recorded = SseEvents.Json(await simulator.Http.GetStringAsync($"/sim/requests/{id}"));
        Assert.Equal(authorization, recorded.GetProperty("headers").GetProperty("authorization").GetString());
        Assert.EndsWith("/converse", recorded.GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.Equal(Prompt, recorded.GetProperty("body").GetString());
    }

    [Fact]
    public async Task EventStreamFixture_IsReplayedByteForByte()
    {
        const string Fixture = "bedrock/bedrock-converse-stream-nova.eventstream.bin";
        var (response, body) = await ReplayAsync(ConverseStream, Fixture);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/vnd.amazon.eventstream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Fixtures.Root, Fixture)), body);
        Assert.Equal(33, EventStreamMessages.Decode(body).Count);
    }

    [Fact]
    public async Task EventStreamFixture_WithMidstreamError_EndsWithTheException()
    {
        var (_, body) = await ReplayAsync(ConverseStream, "bedrock/bedrock-converse-stream-nova.eventstream.bin", ("x-sim-fault", "midstream-error:3"));

        var messages = EventStreamMessages.Decode(body);
        Assert.Equal(4, messages.Count);
        Assert.Equal("modelStreamErrorException", messages[^1].Header(":exception-type"));
    }

    [Theory]
    [InlineData("bedrock/bedrock-converse-stream-text.chunks.txt")]
    [InlineData("bedrock/bedrock-converse-stream-reasoning.chunks.txt")]
    public async Task ChunksFixture_IsReplayedAsEventStreamMessages(string fixture)
    {
        var (response, body) = await ReplayAsync(ConverseStream, fixture, ("x-sim-itl-ms", "1"));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/vnd.amazon.eventstream", response.Content.Headers.ContentType?.MediaType);
        var lines = File.ReadAllLines(Path.Combine(Fixtures.Root, fixture)).Where(l => l.Length > 0).ToList();
        var messages = EventStreamMessages.Decode(body);
        Assert.Equal(lines.Count, messages.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            using var line = JsonDocument.Parse(lines[i]);
            var entry = line.RootElement.EnumerateObject().Single();
            Assert.Equal(entry.Name, messages[i].EventType);
            Assert.Equal([":event-type", ":content-type", ":message-type"], messages[i].Headers.Select(h => h.Key));
            Assert.Equal(entry.Value.GetRawText(), Encoding.UTF8.GetString(messages[i].Payload));
        }
    }

    [Fact]
    public async Task ErrorFixture_IsReplayedWithItsExceptionHeader()
    {
        const string Fixture = "bedrock/bedrock-converse-error-400-validation.response.json";
        var (response, body) = await ReplayAsync(Converse, Fixture);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Fixtures.Root, Fixture)), body);
        Assert.StartsWith("ValidationException:", response.Headers.GetValues("x-amzn-ErrorType").Single(), StringComparison.Ordinal);
    }

    /// <summary>How many whole messages <paramref name="bytes"/> holds, by their prelude's total length.</summary>
    private static int CompleteMessages(byte[] bytes)
    {
        var count = 0;
        for (var offset = 0; offset + 4 <= bytes.Length; count++)
        {
            var total = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset));
            if (offset + total > bytes.Length)
            {
                break;
            }

            offset += total;
        }

        return count;
    }

    private static string DeltaText(List<EventStreamMessage> messages, string field) =>
        string.Concat(messages.Where(m => m.EventType == "contentBlockDelta")
            .Select(m => m.Json().GetProperty("delta").TryGetProperty(field, out var text) ? text.GetString() : null));

    private async Task<(HttpResponseMessage Response, List<EventStreamMessage> Messages)> StreamAsync(string body, params (string Name, string Value)[] headers)
    {
        using var response = await simulator.PostAsync(ConverseStream, body, headers);
        return (response, EventStreamMessages.Decode(await response.Content.ReadAsByteArrayAsync()));
    }

    private async Task<(HttpResponseMessage Response, byte[] Body)> ReplayAsync(string path, string fixture, params (string Name, string Value)[] headers)
    {
        using var response = await simulator.PostAsync(path, Prompt, [("x-sim-fixture", fixture), .. headers]);
        return (response, await response.Content.ReadAsByteArrayAsync());
    }
}
