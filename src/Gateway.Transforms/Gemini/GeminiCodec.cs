using System.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Gemini;

/// <summary>OpenAI chat completions over Google's Gemini API (<c>{base}/models/{model}:generateContent</c>).</summary>
internal sealed class GeminiCodec : IChatCodec
{
    public string Kind => ProviderKinds.Gemini;

    public string RequestPath(string upstreamModel, bool stream) => stream
        ? $"/models/{Uri.EscapeDataString(upstreamModel)}:streamGenerateContent?alt=sse"
        : $"/models/{Uri.EscapeDataString(upstreamModel)}:generateContent";

    public bool TryWriteRequest(ReadOnlyMemory<byte> openAIRequest, in ChatRequestInfo info, string upstreamModel, IBufferWriter<byte> output, out CodecError error)
    {
        var stream = info.Stream;
        return OpenAIChatRequest.TryWrite(
            openAIRequest,
            Kind,
            (OpenAIChatRequest request, out CodecError error) => GeminiRequestWriter.TryWrite(request, output, out error),
            out error);
    }

    public bool TryTranslateResponse(ReadOnlySpan<byte> providerBody, in TranslationContext context, IBufferWriter<byte> output, out TokenUsage usage) =>
        GeminiResponseTranslator.TryTranslate(providerBody, context, output, out usage);

    public IChatStreamTranslator CreateStreamTranslator(in TranslationContext context) => new GeminiStreamTranslator(context);

    public int TranslateError(int status, ReadOnlySpan<byte> providerBody, IBufferWriter<byte> output) =>
        GeminiErrors.Translate(status, providerBody, output);
}
