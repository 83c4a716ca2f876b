using System.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Translation;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Bedrock;

/// <summary>
/// OpenAI chat completions over Amazon Bedrock's Converse API (<c>POST {base}/model/{modelId}/converse</c>, or
/// <c>/converse-stream</c>, whose answer is a binary AWS event stream). Requests must be SigV4-signed by the caller.
/// </summary>
internal sealed class BedrockCodec : IChatCodec
{
    public string Kind => ProviderKinds.Bedrock;

    // Model ids and inference-profile ARNs hold ':' and '/', which must be escaped in the path segment ("v1%3A0").
    public string RequestPath(string upstreamModel, bool stream) =>
        "/model/" + Uri.EscapeDataString(upstreamModel) + (stream ? "/converse-stream" : "/converse");

    public bool TryWriteRequest(ReadOnlyMemory<byte> openAIRequest, in ChatRequestInfo info, string upstreamModel, IBufferWriter<byte> output, out CodecError error)
    {
        var stream = info.Stream;
        return OpenAIChatRequest.TryWrite(
            openAIRequest,
            Kind,
            (OpenAIChatRequest request, out CodecError error) => BedrockRequestWriter.TryWrite(request, stream, upstreamModel, output, out error),
            out error);
    }

    public bool TryTranslateResponse(ReadOnlySpan<byte> providerBody, in TranslationContext context, IBufferWriter<byte> output, out TokenUsage usage) =>
        BedrockResponseTranslator.TryTranslate(providerBody, context, output, out usage);

    public string StreamMediaType => AwsEventStreamReader.MediaType;

    public IEventReader CreateEventReader() => new AwsEventStreamReader();

    public IChatStreamTranslator CreateStreamTranslator(in TranslationContext context) => new BedrockStreamTranslator(context);

    public int TranslateError(int status, ReadOnlySpan<byte> providerBody, IBufferWriter<byte> output) =>
        BedrockErrors.Translate(status, providerBody, output);
}
