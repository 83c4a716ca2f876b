using System.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Cohere;

/// <summary>OpenAI chat completions over Cohere's v2 chat API (<c>POST {base}/chat</c>).</summary>
internal sealed class CohereCodec : IChatCodec
{
    public string Kind => ProviderKinds.Cohere;

    public string RequestPath(string upstreamModel, bool stream) => "/chat";

    public bool TryWriteRequest(ReadOnlyMemory<byte> openAIRequest, in ChatRequestInfo info, string upstreamModel, IBufferWriter<byte> output, out CodecError error)
    {
        var stream = info.Stream;
        return OpenAIChatRequest.TryWrite(
            openAIRequest,
            Kind,
            (OpenAIChatRequest request, out CodecError error) => CohereRequestWriter.TryWrite(request, stream, upstreamModel, output, out error),
            out error);
    }

    public bool TryTranslateResponse(ReadOnlySpan<byte> providerBody, in TranslationContext context, IBufferWriter<byte> output, out TokenUsage usage) =>
        CohereResponseTranslator.TryTranslate(providerBody, context, output, out usage);

    public IChatStreamTranslator CreateStreamTranslator(in TranslationContext context) => new CohereStreamTranslator(context);

    public int TranslateError(int status, ReadOnlySpan<byte> providerBody, IBufferWriter<byte> output) =>
        CohereErrors.Translate(status, providerBody, output);
}
