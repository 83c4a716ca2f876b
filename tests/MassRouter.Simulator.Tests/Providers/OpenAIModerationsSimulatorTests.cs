using System.Net;
using System.Text.Json;
using MassRouter.Simulator.Tests.Infrastructure;

namespace MassRouter.Simulator.Tests.Providers;

/// <summary>
/// <c>POST /v1/moderations</c> as OpenAI answers it: one result per input string (one for a multimodal array), every
/// category with a boolean, a score and the input types it applies to, and OpenAI's refusals.
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class OpenAIModerationsSimulatorTests(SimulatorFixture simulator)
{
    private static readonly string[] CategoryNames =
    [
        "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent", "self-harm",
        "self-harm/intent", "self-harm/instructions", "sexual", "sexual/minors", "violence", "violence/graphic",
    ];

    [Fact]
    public async Task Text_GetsOneUnflaggedResult_WithEveryCategoryInOrder()
    {
        var root = Json(await simulator.PostOkAsync("/v1/moderations", """{"model":"omni-moderation-2024-09-26","input":"a friendly sentence"}"""));

        Assert.StartsWith("modr-", root.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("omni-moderation-2024-09-26", root.GetProperty("model").GetString());
        var result = Assert.Single(root.GetProperty("results").EnumerateArray());
        Assert.False(result.GetProperty("flagged").GetBoolean());
        Assert.Equal(CategoryNames, Names(result.GetProperty("categories")));
        Assert.Equal(CategoryNames, Names(result.GetProperty("category_scores")));
        Assert.Equal(CategoryNames, Names(result.GetProperty("category_applied_input_types")));
        Assert.All(result.GetProperty("categories").EnumerateObject(), c => Assert.Equal(JsonValueKind.False, c.Value.ValueKind));
        Assert.All(result.GetProperty("category_scores").EnumerateObject(), c => Assert.InRange(c.Value.GetDouble(), 0, 0.01));
        Assert.All(result.GetProperty("category_applied_input_types").EnumerateObject(), c => Assert.Equal(["text"], Strings(c.Value)));
    }

    [Fact]
    public async Task Texts_GetOneResultEach_WithDeterministicScores_AndTheDefaultModel()
    {
        var root = Json(await simulator.PostOkAsync("/v1/moderations", """{"input":["first text","second text","first text"]}"""));

        Assert.Equal("omni-moderation-latest", root.GetProperty("model").GetString());
        var scores = root.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("category_scores").GetRawText()).ToList();
        Assert.Equal(3, scores.Count);
        Assert.Equal(scores[0], scores[2]);
        Assert.NotEqual(scores[0], scores[1]);
    }

    [Fact]
    public async Task FlaggedWord_IsFlaggedForViolence_WithAHighScore()
    {
        var root = Json(await simulator.PostOkAsync("/v1/moderations", """{"input":["calm","please FLAGME now"]}"""));

        var results = root.GetProperty("results");
        Assert.False(results[0].GetProperty("flagged").GetBoolean());
        Assert.True(results[1].GetProperty("flagged").GetBoolean());
        var flagged = results[1].GetProperty("categories").EnumerateObject().Where(c => c.Value.GetBoolean()).Select(c => c.Name);
        Assert.Equal(["violence"], flagged);
        Assert.True(results[1].GetProperty("category_scores").GetProperty("violence").GetDouble() > 0.9);
    }

    [Fact]
    public async Task MultimodalArray_GetsOneResult_ImageTypesOnlyWhereImagesAreScored()
    {
        var root = Json(await simulator.PostOkAsync(
            "/v1/moderations",
            """{"model":"omni-moderation-latest","input":[{"type":"text","text":"look at FLAGME"},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}"""));

        var result = Assert.Single(root.GetProperty("results").EnumerateArray());
        Assert.True(result.GetProperty("flagged").GetBoolean());
        var types = result.GetProperty("category_applied_input_types");
        Assert.Equal(["text", "image"], Strings(types.GetProperty("violence")));
        Assert.Equal(["text", "image"], Strings(types.GetProperty("self-harm/intent")));
        Assert.Equal(["text"], Strings(types.GetProperty("hate")));
        Assert.Equal(["text"], Strings(types.GetProperty("sexual/minors")));
    }

    [Theory]
    [InlineData("""{"model":"omni-moderation-latest"}""", "input", "missing_required_parameter", "Missing required parameter: 'input'.")]
    [InlineData("""{"input":null}""", "input", "missing_required_parameter", "Missing required parameter: 'input'.")]
    [InlineData("""{"input":42}""", "input", "invalid_type", "Invalid type for 'input': expected a string or array, but got an integer instead.")]
    [InlineData("""{"input":[]}""", "input", "empty_array", "Invalid 'input': empty array.")]
    [InlineData("""{"input":["a",1]}""", "input[1]", "invalid_type", "Invalid type for 'input[1]': expected a string, but got an integer instead.")]
    [InlineData("""{"input":[{"type":"text","text":"a"},"b"]}""", "input[1]", "invalid_type", "Invalid type for 'input[1]': expected an object")]
    [InlineData("""{"input":[{"type":"audio"}]}""", "input[0].type", "invalid_value", "Invalid value: 'audio'. Supported values are: 'text' and 'image_url'.")]
    [InlineData("""{"input":[{"type":"image_url"}]}""", "input[0].image_url.url", "missing_required_parameter", "Missing required parameter: 'input[0].image_url.url'.")]
    [InlineData("""{"model":7,"input":"a"}""", "model", "invalid_type", "Invalid type for 'model': expected a string")]
    public async Task RefusedRequests_Get400InOpenAIShape(string body, string? param, string? code, string message)
    {
        using var response = await simulator.PostAsync("/v1/moderations", body);
        await OpenAIInvalidRequest.AssertAsync(response, message, param, code);
    }

    [Fact]
    public async Task InvalidJson_GetsOpenAIsParseError()
    {
        using var response = await simulator.PostAsync("/v1/moderations", """{"input":""");
        await OpenAIInvalidRequest.AssertAsync(response, "We could not parse the JSON body of your request.", param: null, code: null);
    }

    [Fact]
    public async Task FaultStatus_GetsOpenAIsErrorBody()
    {
        using var response = await simulator.PostAsync("/v1/moderations", """{"input":"a"}""", ("x-sim-fault", "status:429"));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("rate_limit_exceeded", Json(await response.Content.ReadAsStringAsync()).GetProperty("error").GetProperty("code").GetString());
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static string[] Names(JsonElement map) => map.EnumerateObject().Select(p => p.Name).ToArray();

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(v => v.GetString()!).ToArray();
}
