using System.ClientModel;
using System.Net;
using System.Text;
using MassRouter.Gateway.Tests.Infrastructure;
using OpenAI;
using MassRouter.Tests.Sdk;
using OpenAI.Chat;

namespace MassRouter.Gateway.Tests.Forwarding;

/// <summary>
/// A started stream whose provider goes quiet gets keep-alives (an SSE comment; Anthropic's ping on /v1/messages) every
/// <c>StreamKeepAlive</c>, here 100 ms, so proxies with idle timeouts do not cut it; SDKs read the stream as before. The
/// simulator's inter-token interval (1 s) makes the quiet.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class StreamKeepAliveTests(GatewayFixture gateway) : IAsyncLifetime
{
    private const string Comment = ": keep-alive";
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
    private WebApplication _app = null!;
    private Uri _address = null!;

    private static CancellationToken Deadline => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    public async Task InitializeAsync()
    {
        var simV1 = new Uri(gateway.SimulatorAddress, "v1").ToString();
        _app = await GatewayFixture.StartGatewayAsync(new Dictionary<string, string?>
        {
            ["MassRouter:Metering:Enabled"] = "false",
            ["MassRouter:ApiKeys:0:Key"] = GatewayFixture.Key,
            ["MassRouter:StreamKeepAlive"] = "00:00:00.1",
            ["MassRouter:Providers:sim:BaseUrl"] = simV1,
            ["MassRouter:Models:0:Id"] = "ka/gpt",
            ["MassRouter:Models:0:Deployments:0:Provider"] = "sim",
            ["MassRouter:Models:1:Id"] = "ka/with-first-token-timeout",
            ["MassRouter:Models:1:Deployments:0:Provider"] = "sim",
            ["MassRouter:Models:1:FirstTokenTimeout"] = "00:00:05",
        });
        _address = new Uri(_app.Urls.First());
    }

    public Task DisposeAsync() => GatewayFixture.StopAsync(_app);

    [Fact]
    public async Task AQuietProvider_GetsCommentsBetweenItsEvents_AndNothingElseChanges()
    {
        var quiet = await ReadAsync("v1/chat/completions", ChatBody, ("x-sim-tokens", "3"), ("x-sim-itl-ms", "1000"));

        // Two 1 s silences after the first event, each worth about nine keep-alives at 100 ms (fewer when a loaded machine
        // runs the timer late: the suite's other collections run meanwhile; never more than one per 100 ms of silence).
        var comments = quiet.Count(line => line == Comment);
        Assert.InRange(comments, 1, 20);
        var firstData = quiet.FindIndex(line => line.StartsWith("data: ", StringComparison.Ordinal));
        Assert.DoesNotContain(Comment, quiet.Take(firstData));

        // The events themselves are the same as a stream without silences sends.
        var fast = await ReadAsync("v1/chat/completions", ChatBody, ("x-sim-tokens", "3"));
        Assert.DoesNotContain(Comment, fast);
        Assert.Equal(Contents(fast), Contents(quiet));
        Assert.Equal("data: [DONE]", quiet.Last(line => line.Length > 0));

        // Counted for the SREs (this gateway's own registry: its streams only).
        using var metrics = await Http.GetAsync(new Uri(_address, "metrics"), Deadline);
        Assert.Matches("massrouter_stream_keepalives_total\\{model=\"ka/gpt\",provider=\"sim\"\\} [1-9]", await metrics.Content.ReadAsStringAsync(Deadline));
    }

    [Fact]
    public async Task AProviderSlowToItsFirstEvent_IsKeptAliveToo_UnlessTheModelFallsBackOnIt()
    {
        // A reasoning model on chat completions may send nothing until it has thought: its 200 came, the client waits.
        var slowStart = await ReadAsync("v1/chat/completions", ChatBody, ("x-sim-tokens", "2"), ("x-sim-ttft-ms", "1000"), ("x-sim-early-headers", "true"));
        var firstData = slowStart.FindIndex(line => line.StartsWith("data: ", StringComparison.Ordinal));
        Assert.InRange(slowStart.Take(firstData).Count(line => line == Comment), 1, 10);
        Assert.Equal("data: [DONE]", slowStart.Last(line => line.Length > 0));

        // A model with a first-token timeout of its own goes to its next deployment when the first event is late:
        // nothing may be committed before it.
        var fallsBack = ChatBody.Replace("ka/gpt", "ka/with-first-token-timeout", StringComparison.Ordinal);
        var committed = await ReadAsync("v1/chat/completions", fallsBack, ("x-sim-tokens", "2"), ("x-sim-ttft-ms", "1000"), ("x-sim-early-headers", "true"));
        Assert.DoesNotContain(Comment, committed);

        // An Anthropic client's stream begins with message_start, never with a ping.
        var messages = """{"model":"ka/gpt","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Count"}]}""";
        var anthropic = await ReadAsync(
            "v1/messages", messages, ("x-sim-tokens", "1"), ("x-sim-ttft-ms", "1000"), ("x-sim-early-headers", "true"), ("anthropic-version", "2023-06-01"));
        Assert.StartsWith("event: message_start", anthropic[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheOpenAISdk_ReadsAQuietStream_AsAnyOther()
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(_address, "v1"), NetworkTimeout = TimeSpan.FromSeconds(30) };
        options.AddPolicy(new HeadersPolicy(new Dictionary<string, string> { ["x-sim-tokens"] = "3", ["x-sim-itl-ms"] = "350" }), System.ClientModel.Primitives.PipelinePosition.PerCall);
        var client = new OpenAIClient(new ApiKeyCredential(GatewayFixture.Key), options).GetChatClient("ka/gpt");

        var text = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Count")], cancellationToken: Deadline))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        var reference = await ReadAsync("v1/chat/completions", ChatBody, ("x-sim-tokens", "3"));
        Assert.Equal(string.Concat(Contents(reference).Select(c => System.Text.Json.Nodes.JsonNode.Parse(c)!["choices"]![0]!["delta"]!["content"]?.GetValue<string>())), text.ToString());
        Assert.NotEqual(0, text.Length);
    }

    [Fact]
    public async Task AnAnthropicClient_GetsAnthropicsOwnPing()
    {
        var body = """{"model":"ka/gpt","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Count"}]}""";
        var lines = await ReadAsync("v1/messages", body, ("x-sim-tokens", "3"), ("x-sim-itl-ms", "1000"), ("anthropic-version", "2023-06-01"));

        Assert.DoesNotContain(Comment, lines);
        var pings = Enumerable.Range(0, lines.Count - 1).Count(i => lines[i] == "event: ping" && lines[i + 1] == "data: {\"type\": \"ping\"}");
        Assert.InRange(pings, 1, 20);
        Assert.True(lines.IndexOf("event: ping") > lines.IndexOf("event: message_start"), "a ping before message_start");
        Assert.Contains("event: message_stop", lines);
    }

    private const string ChatBody = """{"model":"ka/gpt","stream":true,"messages":[{"role":"user","content":"Count"}]}""";

    private static List<string> Contents(List<string> lines) =>
        lines.Where(line => line.StartsWith("data: {", StringComparison.Ordinal) && line.Contains("\"content\":\"", StringComparison.Ordinal))
            .Select(line => System.Text.RegularExpressions.Regex.Replace(line[6..], "\"(id|created)\":(\"[^\"]*\"|[0-9]+),", ""))
            .ToList();

    private async Task<List<string>> ReadAsync(string path, string body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_address, path))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", GatewayFixture.Key);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Deadline);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Deadline);
        return [.. text.Split('\n')];
    }
}
