using System.ClientModel;
using System.Text.Json.Nodes;
using OpenAI.Chat;

namespace MassRouter.Gateway.Tests.Conformance;

/// <summary>
/// Every recorded Anthropic, Gemini/Vertex and Cohere fixture, replayed byte-exact by the simulator through the
/// gateway's /v1/chat/completions to the official OpenAI .NET SDK: what the client gets (Conformance/Expected/) must
/// match what the translation library is expected to produce for the same recording (Transforms.Tests/Expected/).
/// A fixture that is not a replayable chat response is listed in Conformance/Expected/not-replayed.json with the reason.
/// </summary>
public class ConformanceTests(ConformanceFixture gateway) : IClassFixture<ConformanceFixture>
{
    private static readonly ChatTool Weather = ChatTool.CreateFunctionTool(
        "get_weather",
        "Get the current weather for a city.",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));

    public static TheoryData<string> Recordings() => [.. AllFixtures()];

    public static TheoryData<string> WeatherRecordings => new()
    {
        "anthropic/anthropic-tool-call-weather.response.json",
        "google/gemini-tool-call-weather.response.json",
        "cohere/cohere-v2-tool-call-weather.response.json",
    };

    [Theory]
    [MemberData(nameof(Recordings))]
    public async Task Recording_ReachesTheSdk_AsTheLibraryTranslatesIt(string fixture)
    {
        var (folder, name) = Split(fixture);
        if (NotReplayed()[fixture] is { } reason)
        {
            Assert.False(string.IsNullOrWhiteSpace(reason.GetValue<string>()), $"{fixture}: a fixture left out needs a reason");
            return;
        }

        var view = (await ReplayAsync(fixture)).ToJson();
        foreach (var call in view["tool_calls"]?.AsArray() ?? [])
        {
            // Clients parse the accumulated arguments: they must be a JSON object even for a tool without parameters.
            Assert.True(JsonNode.Parse(call!["arguments"]!.GetValue<string>()) is JsonObject, $"{fixture}: arguments of {call["name"]} are not a JSON object");
        }

        var expectedPath = ExpectedPath(folder, name);
        ConformanceExpected.Check(expectedPath, view);

        // Both levels agree: the library's expected OpenAI output, seen as a client would see it, is the same result.
        var kind = ConformanceFixture.Folders[folder].Kind;
        var stem = Stem(name);
        var library = new[] { $"{stem}.error.json", $"{stem}.sse", $"{stem}.json" }
            .Select(f => Path.Combine(ConformanceExpected.LibraryDir, kind, f))
            .First(File.Exists);
        var text = File.ReadAllText(library);
        var fromLibrary = (library.EndsWith(".sse", StringComparison.Ordinal) ? ClientView.FromSse(text) : ClientView.FromJson(text)).ToJson();
        var stored = ConformanceExpected.Read(expectedPath);
        Assert.True(JsonNode.DeepEquals(stored, fromLibrary), $"{fixture}: library-level expected output differs from the client's:\nlibrary {fromLibrary.ToJsonString()}\nclient  {stored.ToJsonString()}");
    }

    /// <summary>The library's OpenAI-format equivalents of the recorded provider requests (Transforms.Tests/Requests/kind/stem.openai.json).</summary>
    public static TheoryData<string, string> ScenarioRequests()
    {
        var data = new TheoryData<string, string>();
        foreach (var (folder, (_, kind)) in ConformanceFixture.Folders.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            foreach (var file in Directory.GetFiles(Path.Combine(ConformanceExpected.RequestsDir, kind), "*.openai.json").Order(StringComparer.Ordinal))
            {
                data.Add(folder, Path.GetFileName(file)[..^".openai.json".Length]);
            }
        }

        return data;
    }

    /// <summary>
    /// End to end, what the gateway sends the provider for a scenario's OpenAI request is the request the provider
    /// accepted when it was recorded, apart from the differences the library-level check lists with their reasons and
    /// the model, which is the deployment's.
    /// </summary>
    [Theory]
    [MemberData(nameof(ScenarioRequests))]
    public async Task ScenarioRequest_ReachesTheProvider_AsRecorded(string folder, string stem)
    {
        var (model, kind) = ConformanceFixture.Folders[folder];
        var openAI = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(ConformanceExpected.RequestsDir, kind, stem + ".openai.json")))!.AsObject();
        openAI["model"] = model;
        var streamed = openAI["stream"]?.GetValue<bool>() == true;
        var answer = Directory.GetFiles(Path.Combine(MassRouter.Tests.FixturesRoot.Path, folder), stem + ".*")
            .Select(Path.GetFileName)
            .Single(f => !f!.EndsWith(".request.json", StringComparison.Ordinal));
        var id = $"conformance-request-{stem}";
        using (var response = await gateway.Http.SendAsync(gateway.ChatRequest(openAI.ToJsonString(), ConformanceFixture.Key, ("x-sim-fixture", $"{folder}/{answer}"), ("x-sim-request-id", id))))
        {
            var expected = ConformanceExpected.Read(ExpectedPath(folder, answer!));
            Assert.Equal(expected["status"]?.GetValue<int>() ?? 200, (int)response.StatusCode);
            await response.Content.ReadAsStringAsync();
        }

        var sent = await gateway.RecordedRequestAsync(id);
        var body = JsonNode.Parse(sent["body"]!.GetValue<string>())!;
        var recorded = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(MassRouter.Tests.FixturesRoot.Path, folder, stem + ".request.json")))!;
        var upstream = ConformanceFixture.UpstreamModels[kind];
        if (kind == "gemini")
        {
            var method = streamed ? "streamGenerateContent" : "generateContent";
            Assert.Equal($"/v1beta/models/{upstream}:{method}", sent["path"]!.GetValue<string>());
        }
        else
        {
            Assert.Equal(upstream, body["model"]!.GetValue<string>());
        }

        var (fromRecording, fromGateway) = MassRouter.Tests.RecordedRequests.Comparable(
            recorded, body, Path.Combine(ConformanceExpected.RequestsDir, kind, stem + ".differences.json"), camelCase: kind == "gemini", "model");
        Assert.True(JsonNode.DeepEquals(fromRecording, fromGateway), $"{stem}: the gateway's provider request differs from the recording.\nrecorded {fromRecording.ToJsonString()}\ngateway  {fromGateway.ToJsonString()}");
    }

    /// <summary>The streams of the providers the Anthropic ingress reaches through translation (Anthropic's own are passed through, see MessagesConformanceTests).</summary>
    public static TheoryData<string> TranslatedStreams()
    {
        var data = new TheoryData<string>();
        foreach (var fixture in AllFixtures())
        {
            if (!fixture.StartsWith("anthropic/", StringComparison.Ordinal)
                && (fixture.EndsWith(".sse", StringComparison.Ordinal) || fixture.EndsWith(".chunks.txt", StringComparison.Ordinal)))
            {
                data.Add(fixture);
            }
        }

        return data;
    }

    /// <summary>On /v1/messages, a Gemini or Cohere stream reaches the official Anthropic SDK with what the OpenAI route's client gets.</summary>
    [Theory]
    [MemberData(nameof(TranslatedStreams))]
    public async Task ProviderStream_ReachesTheAnthropicSdk_OnTheMessagesRoute(string fixture)
    {
        var (folder, name) = Split(fixture);
        var expected = ConformanceExpected.Read(ExpectedPath(folder, name));
        using var sdk = new MassRouter.Tests.Anthropic.AnthropicSdk(gateway.GatewayAddress, ConformanceFixture.Key, strict: true, ("x-sim-fixture", fixture));

        var summary = await sdk.StreamAsync(MassRouter.Tests.Anthropic.AnthropicSdk.Hello(model: ConformanceFixture.Folders[folder].Model));

        Assert.Equal(expected["content"]?.GetValue<string>() ?? string.Empty, summary.Text.ToString());
        Assert.Equal(expected["reasoning"]?.GetValue<string>() ?? string.Empty, summary.Thinking.ToString());
        var calls = expected["tool_calls"]!.AsArray();
        Assert.Equal(calls.Count, summary.ToolCount);
        if (calls.Count > 0)
        {
            Assert.Equal(calls[^1]!["name"]!.GetValue<string>(), summary.ToolName);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(calls[^1]!["arguments"]!.GetValue<string>()), JsonNode.Parse(summary.ToolInput.ToString())), $"tool input {summary.ToolInput}");
        }

        var stopReason = expected["finish_reason"]!.GetValue<string>() switch
        {
            "tool_calls" => "tool_use",
            "length" => "max_tokens",
            "content_filter" => "refusal",
            _ => "end_turn",
        };
        Assert.Equal(stopReason, summary.StopReason);
        Assert.Equal(expected["usage"]!["completion_tokens"]!.GetValue<long>(), summary.OutputTokens);
        Assert.Equal("message_stop", summary.Events[^1]);
    }

    [Fact]
    public void NotReplayedList_NamesOnlyExistingFixtures()
    {
        foreach (var (fixture, _) in NotReplayed())
        {
            Assert.True(File.Exists(Path.Combine(MassRouter.Tests.FixturesRoot.Path, fixture)), $"{fixture} is listed but does not exist");
        }
    }

    /// <summary>The same weather question asked of every provider reaches the client as OpenAI's own answer does.</summary>
    [Fact]
    public async Task WeatherAnswer_OfEveryProvider_ReachesTheSdkInOpenAIsShape()
    {
        var openAI = Shape(ClientView.FromJson(await File.ReadAllTextAsync(Path.Combine(MassRouter.Tests.FixturesRoot.Path, "openai", "openai-chat-tool-call-weather.response.json"))).ToJson());
        Assert.Equal("tool_calls", openAI["finish_reason"]!.GetValue<string>());
        foreach (var fixture in WeatherRecordings)
        {
            var view = (await ReplayAsync(fixture)).ToJson();
            Assert.True(JsonNode.DeepEquals(openAI, Shape(view)), $"{fixture}: {Shape(view).ToJsonString()} is not OpenAI's {openAI.ToJsonString()}");
            Assert.False(string.IsNullOrEmpty(view["tool_calls"]![0]!["id"]!.GetValue<string>()));
            Assert.True(view["usage"]!["prompt_tokens"]!.GetValue<int>() > 0 && view["usage"]!["completion_tokens"]!.GetValue<int>() > 0);
        }
    }

    /// <summary>Replays <paramref name="fixture"/>: streams through CompleteChatStreamingAsync, the rest through CompleteChatAsync.</summary>
    private async Task<ClientView> ReplayAsync(string fixture)
    {
        var (folder, name) = Split(fixture);
        var capture = new RawCapturePolicy();
        var client = gateway.ReplayClient(ConformanceFixture.Folders[folder].Model, fixture, capture);
        ChatMessage[] messages = [new UserChatMessage("What's the weather in Paris?")];
        var options = new ChatCompletionOptions { Tools = { Weather } };
        try
        {
            if (name.EndsWith(".sse", StringComparison.Ordinal) || name.EndsWith(".chunks.txt", StringComparison.Ordinal))
            {
                var updates = new List<StreamingChatCompletionUpdate>();
                await foreach (var update in client.CompleteChatStreamingAsync(messages, options))
                {
                    updates.Add(update);
                }

                return ClientView.FromUpdates(updates, capture.Text);
            }

            ClientResult<ChatCompletion> result = await client.CompleteChatAsync(messages, options);
            return ClientView.FromCompletion(result.Value, result.GetRawResponse().Content.ToString());
        }
        catch (ClientResultException e) when (e.GetRawResponse() is { } response)
        {
            Assert.Equal(e.Status, response.Status);
            return ClientView.FromError(e.Status, response.Content.ToString());
        }
    }

    /// <summary>What a client acts on in a tool-call answer: finish reason and each call's name and parsed arguments.</summary>
    private static JsonObject Shape(JsonObject view) => new()
    {
        ["finish_reason"] = view["finish_reason"]?.DeepClone(),
        ["content"] = view["content"]?.DeepClone(),
        ["tool_calls"] = new JsonArray([.. view["tool_calls"]!.AsArray().Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c!["name"]!.DeepClone(),
            ["arguments"] = JsonNode.Parse(c["arguments"]!.GetValue<string>()),
        })]),
    };

    /// <summary>Every recording of the translated providers, as folder/name.</summary>
    private static IEnumerable<string> AllFixtures() =>
        ConformanceFixture.Folders.Keys.Order(StringComparer.Ordinal).SelectMany(folder =>
            Directory.GetFiles(Path.Combine(MassRouter.Tests.FixturesRoot.Path, folder)).Order(StringComparer.Ordinal).Select(file => folder + "/" + Path.GetFileName(file)));

    private static JsonObject NotReplayed() => ConformanceExpected.Read("not-replayed.json");

    private static string ExpectedPath(string folder, string name) => Path.Combine(ConformanceFixture.Folders[folder].Kind, Stem(name) + ".json");

    private static (string Folder, string Name) Split(string fixture)
    {
        var slash = fixture.IndexOf('/', StringComparison.Ordinal);
        return (fixture[..slash], fixture[(slash + 1)..]);
    }

    private static string Stem(string name)
    {
        foreach (var suffix in new[] { ".request.json", ".response.json", ".chunks.txt", ".sse", ".json" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return name[..^suffix.Length];
            }
        }

        return name;
    }
}
