using System.Text.Json.Nodes;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Providers;

namespace MassRouter.Gateway.Transforms.Tests.Translation;

/// <summary>
/// The *-tool-call-weather recordings ask every provider the same question with the same get_weather tool: each
/// answer must reach the client as the same OpenAI shape as OpenAI's own answer (ids and token counts aside).
/// </summary>
public class WeatherScenarioTests
{
    public static TheoryData<string, string> Answers => new()
    {
        { ProviderKinds.Anthropic, "anthropic/anthropic-tool-call-weather.response.json" },
        { ProviderKinds.Gemini, "google/gemini-tool-call-weather.response.json" },
        { ProviderKinds.Cohere, "cohere/cohere-v2-tool-call-weather.response.json" },
        { ProviderKinds.Bedrock, "bedrock/bedrock-converse-tool-call-weather.response.json" },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public void ProviderAnswer_HasOpenAIsShape(string kind, string fixture)
    {
        using var output = new PooledBufferWriter();
        Assert.True(ChatCodecs.ForKind(kind)!.TryTranslateResponse(File.ReadAllBytes(Fixtures.PathOf(fixture)), CodecFixtures.Context(), output, out var usage));
        var translated = JsonNode.Parse(output.WrittenSpan)!;
        var openAI = JsonNode.Parse(File.ReadAllText(Fixtures.PathOf("openai/openai-chat-tool-call-weather.response.json")))!;

        Assert.Equal(Shape(openAI), Shape(translated));
        Assert.True(usage.PromptTokens > 0 && usage.CompletionTokens > 0);
    }

    /// <summary>What a client acts on: object, finish reason, role, and each tool call's type, name and parsed arguments.</summary>
    private static string Shape(JsonNode completion)
    {
        var choice = completion["choices"]![0]!;
        var message = choice["message"]!;
        var calls = message["tool_calls"]!.AsArray().Select(c => new JsonObject
        {
            ["type"] = c!["type"]!.GetValue<string>(),
            ["id_present"] = !string.IsNullOrEmpty(c["id"]!.GetValue<string>()),
            ["name"] = c["function"]!["name"]!.GetValue<string>(),
            ["arguments"] = JsonNode.Parse(c["function"]!["arguments"]!.GetValue<string>()),
        });
        return new JsonObject
        {
            ["object"] = completion["object"]!.GetValue<string>(),
            ["finish_reason"] = choice["finish_reason"]!.GetValue<string>(),
            ["role"] = message["role"]!.GetValue<string>(),
            ["tool_calls"] = new JsonArray([.. calls]),
            ["usage_fields"] = string.Join(',', completion["usage"]!.AsObject().Select(p => p.Key).Where(k => k.EndsWith("_tokens", StringComparison.Ordinal)).Order(StringComparer.Ordinal)),
        }.ToJsonString();
    }
}
