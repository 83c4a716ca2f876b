using System.Text;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;

namespace MassRouter.Gateway.Transforms.Tests.Translation;

/// <summary>Small helpers to drive a codec from JSON text in tests.</summary>
internal static class Codec
{
    public static JsonNode Request(IChatCodec codec, string openAIJson, string upstreamModel = "upstream-model")
    {
        var error = TryRequest(codec, openAIJson, out var result, upstreamModel);
        Assert.True(error is null, error?.Message);
        return result!;
    }

    public static CodecError RequestError(IChatCodec codec, string openAIJson)
    {
        var error = TryRequest(codec, openAIJson, out _, "upstream-model");
        Assert.NotNull(error);
        Assert.Equal(400, error.Value.Status);
        return error.Value;
    }

    private static CodecError? TryRequest(IChatCodec codec, string openAIJson, out JsonNode? result, string upstreamModel)
    {
        result = null;
        var body = Encoding.UTF8.GetBytes(openAIJson);
        Assert.True(ChatRequestParser.TryParse(body, out var info, out var parseError), parseError.Message);
        using var output = new PooledBufferWriter();
        if (!codec.TryWriteRequest(body, info, upstreamModel, output, out var error))
        {
            return error;
        }

        result = JsonNode.Parse(output.WrittenSpan);
        return null;
    }

    public static string Stream(IChatCodec codec, string sse, bool includeUsage = true)
    {
        using var translator = codec.CreateStreamTranslator(CodecFixtures.Context(includeUsage));
        var output = StreamRunner.Run(translator, Encoding.UTF8.GetBytes(sse));
        CodecFixtures.AssertWellFormedStream(output);
        return output;
    }

    public static string Json(JsonNode? node) => node?.ToJsonString() ?? "null";
}
