using System.Buffers.Binary;
using System.Net;
using System.Text.Json;
using MassRouter.Simulator.Tests.Infrastructure;

namespace MassRouter.Simulator.Tests.Providers;

/// <summary>
/// <c>POST /v1/embeddings</c> as OpenAI answers it: one unit vector per input, floats or base64 float32, usage, and
/// OpenAI's refusals.
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class OpenAIEmbeddingsSimulatorTests(SimulatorFixture simulator)
{
    [Fact]
    public async Task Texts_GetOneUnitVectorEach_InOrder_WithUsage()
    {
        var root = Json(await simulator.PostOkAsync("/v1/embeddings", """{"model":"text-embedding-3-small","input":["first text","second, longer text"]}"""));

        Assert.Equal("list", root.GetProperty("object").GetString());
        Assert.Equal("text-embedding-3-small", root.GetProperty("model").GetString());
        var data = root.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal([0, 1], data.Select(d => d.GetProperty("index").GetInt32()));
        Assert.All(data, d => Assert.Equal("embedding", d.GetProperty("object").GetString()));
        var vectors = data.Select(d => d.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToList();
        Assert.All(vectors, v => Assert.Equal(1536, v.Length));
        Assert.All(vectors, v => Assert.Equal(1.0, Norm(v), 4));
        Assert.NotEqual(vectors[0], vectors[1]);

        // About four bytes per token: 10 and 19 bytes.
        var usage = root.GetProperty("usage");
        Assert.Equal(2 + 4, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(6, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task SameText_SameVector_AndAShortenedOneIsItsPrefixAtUnitLength()
    {
        var full = Floats(Json(await simulator.PostOkAsync("/v1/embeddings", """{"model":"m","input":"the same text"}""")));
        var again = Floats(Json(await simulator.PostOkAsync("/v1/embeddings", """{"model":"m","input":["the same text"]}""")));
        var shortened = Floats(Json(await simulator.PostOkAsync("/v1/embeddings", """{"model":"m","input":"the same text","dimensions":8}""")));

        Assert.Equal(full, again);
        Assert.Equal(8, shortened.Length);
        Assert.Equal(1.0, Norm(shortened), 4);
        var scale = shortened[0] / full[0];
        Assert.All(Enumerable.Range(0, 8), d => Assert.Equal(full[d] * scale, shortened[d], 4));
    }

    [Fact]
    public async Task Base64_IsTheSameVectorAsLittleEndianFloat32()
    {
        var floats = Floats(Json(await simulator.PostOkAsync("/v1/embeddings", """{"model":"m","input":"encode me","dimensions":16,"encoding_format":"float"}""")));
        var root = Json(await simulator.PostOkAsync("/v1/embeddings", """{"model":"m","input":"encode me","dimensions":16,"encoding_format":"base64"}"""));

        var bytes = Convert.FromBase64String(root.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        Assert.Equal(16 * sizeof(float), bytes.Length);
        Assert.Equal(floats, Enumerable.Range(0, 16).Select(d => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(d * sizeof(float)))).ToArray());
    }

    [Fact]
    public async Task TokenIds_CountOneTokenEach_AndLargeModelsHaveLongerVectors()
    {
        var root = Json(await simulator.PostOkAsync("/v1/embeddings", """{"model":"text-embedding-3-large","input":[[1,2,3],[4,5]]}"""));

        Assert.Equal(5, root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(2, root.GetProperty("data").GetArrayLength());
        Assert.Equal(3072, root.GetProperty("data")[0].GetProperty("embedding").GetArrayLength());

        var single = Json(await simulator.PostOkAsync("/v1/embeddings", """{"model":"m","input":[7,8,9,10]}"""));
        Assert.Equal(1, single.GetProperty("data").GetArrayLength());
        Assert.Equal(4, single.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task AzureDeploymentPath_AnswersWithTheDeploymentAsModel()
    {
        var root = Json(await simulator.PostOkAsync("/openai/deployments/my-embedder/embeddings?api-version=2024-10-21", """{"input":"hi"}"""));
        Assert.Equal("my-embedder", root.GetProperty("model").GetString());
    }

    [Theory]
    [InlineData("""{"model":"m","input":["a",""]}""", null, null, "'$.input' is invalid.")]
    [InlineData("""{"model":"m","input":""}""", null, null, "'$.input' is invalid.")]
    [InlineData("""{"model":"m","input":[]}""", null, null, "'$.input' is invalid.")]
    [InlineData("""{"model":"m"}""", null, null, "'$.input' is invalid.")]
    [InlineData("""{"model":"m","input":[[1],"a"]}""", null, null, "'$.input' is invalid.")]
    [InlineData("""{"input":"a"}""", null, null, "you must provide a model parameter")]
    [InlineData("""{"model":"m","input":"a","encoding_format":"int8"}""", "encoding_format", "invalid_value", "Invalid value: 'int8'.")]
    [InlineData("""{"model":"m","input":"a","dimensions":0}""", "dimensions", "invalid_value", "Invalid 'dimensions'")]
    [InlineData("""{"model":"text-embedding-3-small","input":"a","dimensions":1537}""", "dimensions", "invalid_value", "Invalid 'dimensions': expected an integer from 1 to 1536, but got 1537 instead.")]
    public async Task RefusedRequests_Get400InOpenAIShape(string body, string? param, string? code, string message)
    {
        using var response = await simulator.PostAsync("/v1/embeddings", body);
        await OpenAIInvalidRequest.AssertAsync(response, message, param, code);
    }

    [Fact]
    public async Task FaultStatus_GetsOpenAIsErrorBody()
    {
        using var response = await simulator.PostAsync("/v1/embeddings", """{"model":"m","input":"a"}""", ("x-sim-fault", "status:429"));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("rate_limit_exceeded", Json(await response.Content.ReadAsStringAsync()).GetProperty("error").GetProperty("code").GetString());
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static float[] Floats(JsonElement root) =>
        Assert.Single(root.GetProperty("data").EnumerateArray()).GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();

    private static double Norm(float[] vector) => Math.Sqrt(vector.Sum(v => (double)v * v));
}
