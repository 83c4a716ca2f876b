using System.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Anthropic;

/// <summary>OpenAI chat completions over the Anthropic Messages API (<c>POST {base}/messages</c>).</summary>
internal sealed class AnthropicCodec : IChatCodec
{
    public string Kind => ProviderKinds.Anthropic;

    public string RequestPath(string upstreamModel, bool stream) => "/messages";

    public bool TryWriteRequest(ReadOnlyMemory<byte> openAIRequest, in ChatRequestInfo info, string upstreamModel, IBufferWriter<byte> output, out CodecError error)
    {
        var stream = info.Stream;
        return OpenAIChatRequest.TryWrite(
            openAIRequest,
            Kind,
            (OpenAIChatRequest request, out CodecError error) => AnthropicRequestWriter.TryWrite(request, stream, upstreamModel, output, out error),
            out error);
    }

    public bool TryTranslateResponse(ReadOnlySpan<byte> providerBody, in TranslationContext context, IBufferWriter<byte> output, out TokenUsage usage) =>
        AnthropicResponseTranslator.TryTranslate(providerBody, context, output, out usage);

    public IChatStreamTranslator CreateStreamTranslator(in TranslationContext context) => new AnthropicStreamTranslator(context);

    public int TranslateError(int status, ReadOnlySpan<byte> providerBody, IBufferWriter<byte> output) =>
        AnthropicErrors.Translate(status, providerBody, output);
}
