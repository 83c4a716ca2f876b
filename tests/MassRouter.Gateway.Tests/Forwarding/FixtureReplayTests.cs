using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Gateway.Transforms.Compatible;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Usage;
using MassRouter.Tests.OpenAI;

namespace MassRouter.Gateway.Tests.Forwarding;

/// <summary>
/// Every recorded OpenAI-compatible response, replayed by the simulator through the gateway, must reach the client
/// byte for byte as the provider sent it. The documented rewrites are the usage chunk the gateway asked for itself (and
/// the <c>"usage":null</c> that asking puts on every other chunk) and the normalisation of provider quirks (<see cref="OpenAICompatibleNormaliser"/>), which touches only the streams in
/// <see cref="NormalisedStreams"/>; the normalised output itself is pinned by the Transforms tests' expected files.
/// </summary>
[Collection(GatewayCollection.Name)]
public class FixtureReplayTests(GatewayFixture gateway)
{
    private static readonly string[] OpenAICompatibleFolders = ["openai", "openai-compatible", "mistral", "groq", "deepseek"];

    /// <summary>The recordings whose quirks are normalised: Azure's anonymous filter chunk, Groq's error event and
    /// reasoning field, OpenRouter's reasoning field, Mistral's tool calls without index.</summary>
    private static readonly string[] NormalisedStreams =
    [
        "openai/azure-openai-chat-stream-content-filter-usage.chunks.txt",
        "openai-compatible/openrouter-stream-comments-then-error-chunk.sse",
        "mistral/mistral-stream-tool-call-single-chunk.chunks.txt",
        "groq/groq-stream-reasoning-then-error-event-tool-use-failed.sse",
    ];

    public static TheoryData<string> Streams() => Collect(f => f.EndsWith(".sse", StringComparison.Ordinal) || f.EndsWith(".chunks.txt", StringComparison.Ordinal));

    public static TheoryData<string> Bodies() => Collect(f => f.EndsWith(".json", StringComparison.Ordinal) && !f.EndsWith(".request.json", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task RecordedStream_ClientAskedForUsage_IsByteIdentical(string fixture)
    {
        var direct = await DirectAsync(fixture, stream: true);
        var body = """{"model":"test/other","stream":true,"stream_options":{"include_usage":true},"messages":[]}""";
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest(body, headers: ("x-sim-fixture", fixture)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var relayed = await response.Content.ReadAsByteArrayAsync();
        var normalised = Normalise(direct, includeUsage: true);
        Assert.Equal(NormalisedStreams.Contains(fixture), !normalised.AsSpan().SequenceEqual(direct));
        Assert.Equal(normalised, relayed);
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task RecordedStream_ClientDidNotAskForUsage_LosesTheUsageChunkAndUsageNull(string fixture)
    {
        var direct = await DirectAsync(fixture, stream: true);
        var body = """{"model":"test/other","stream":true,"messages":[]}""";
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest(body, headers: ("x-sim-fixture", fixture)));
        var relayed = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());

        var expected = SplitEvents(Encoding.UTF8.GetString(Normalise(direct, includeUsage: false))).Where(e => !IsUsageOnlyChunk(e)).ToList();
        Assert.Equal(expected, SplitEvents(relayed));
        Assert.DoesNotContain(SplitEvents(relayed), e => Data(e) is { } data && data != "[DONE]" && JsonNode.Parse(data) is JsonObject o && o.TryGetPropertyValue("usage", out var usage) && usage is null);
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task RecordedBody_IsByteIdentical_WithItsStatus(string fixture)
    {
        var directStatus = HttpStatusCode.OK;
        var direct = await DirectAsync(fixture, stream: false, status => directStatus = status);
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest("""{"model":"test/other","messages":[]}""", headers: ("x-sim-fixture", fixture)));
        Assert.Equal(directStatus, response.StatusCode);
        var relayed = await response.Content.ReadAsByteArrayAsync();
        if ((int)directStatus < 400 || IsOpenAIError(direct))
        {
            Assert.Equal(direct, relayed);
        }
        else
        {
            // A provider error in another shape is wrapped, with the provider's own words kept in the message.
            var message = JsonNode.Parse(relayed)!["error"]!["message"]!.GetValue<string>();
            Assert.Contains(Encoding.UTF8.GetString(direct).Trim()[..20], message, StringComparison.Ordinal);
        }
    }

    private async Task<byte[]> DirectAsync(string fixture, bool stream, Action<HttpStatusCode>? status = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.SimulatorAddress, "v1/chat/completions"))
        {
            Content = new StringContent($$"""{"model":"x","stream":{{(stream ? "true" : "false")}},"messages":[]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("x-sim-fixture", fixture);
        using var response = await gateway.Http.SendAsync(request);
        status?.Invoke(response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static byte[] Normalise(byte[] stream, bool includeUsage)
    {
        var normaliser = new OpenAICompatibleNormaliser(includeUsage);
        var output = new ArrayBufferWriter<byte>();
        using var reader = new SseReader();
        TokenUsage usage = default;
        var start = 0;
        while (start < stream.Length && reader.TryRead(stream.AsSpan(start), isFinalBlock: true, out var sseEvent, out var consumed))
        {
            start += consumed;
            PassthroughEvent.Relay(normaliser, sseEvent, output, ref usage);
        }

        return output.WrittenSpan.ToArray();
    }

    private static bool IsOpenAIError(byte[] body)
    {
        try
        {
            return JsonNode.Parse(body) is JsonObject o && o["error"] is JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static List<string> SplitEvents(string sse) =>
        sse.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).ToList();

    private static string? Data(string sseEvent) =>
        sseEvent.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].TrimStart()).FirstOrDefault();

    private static bool IsUsageOnlyChunk(string sseEvent)
    {
        var data = Data(sseEvent);
        if (data is null || data == "[DONE]")
        {
            return false;
        }

        var json = JsonNode.Parse(data)!;
        return json["usage"] is JsonObject && json["choices"] is JsonArray { Count: 0 };
    }

    private static TheoryData<string> Collect(Func<string, bool> include)
    {
        var data = new TheoryData<string>();
        foreach (var folder in OpenAICompatibleFolders)
        {
            foreach (var file in Directory.GetFiles(Path.Combine(GatewayFixture.FixturesPath, folder)).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                if (include(name))
                {
                    data.Add($"{folder}/{name}");
                }
            }
        }

        return data;
    }
}
