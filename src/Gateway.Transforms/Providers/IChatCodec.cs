using System.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Providers;

/// <summary>Translates one provider's chat wire format to and from OpenAI chat completions.</summary>
public interface IChatCodec
{
    /// <summary>The provider kind this codec serves (see <see cref="ProviderKinds"/>).</summary>
    string Kind { get; }

    /// <summary>The path after the provider's base URL for a request (e.g. <c>/messages</c>).</summary>
    string RequestPath(string upstreamModel, bool stream);

    /// <summary>
    /// Writes the provider request for an OpenAI chat-completions body. False (with an OpenAI-shaped
    /// <paramref name="error"/>) when the request asks for something this provider cannot honour.
    /// </summary>
    bool TryWriteRequest(ReadOnlyMemory<byte> openAIRequest, in ChatRequestInfo info, string upstreamModel, IBufferWriter<byte> output, out CodecError error);

    /// <summary>Translates a successful non-streaming provider body into an OpenAI <c>chat.completion</c>.</summary>
    bool TryTranslateResponse(ReadOnlySpan<byte> providerBody, in TranslationContext context, IBufferWriter<byte> output, out TokenUsage usage);

    /// <summary>The media type of the provider's streamed responses: server-sent events unless the codec says otherwise (Bedrock).</summary>
    string StreamMediaType => SseReader.MediaType;

    /// <summary>A reader splitting the provider's streamed body into the events <see cref="CreateStreamTranslator"/> takes.</summary>
    IEventReader CreateEventReader() => new SseReader();

    /// <summary>Starts translating one provider event stream into OpenAI <c>chat.completion.chunk</c> events.</summary>
    IChatStreamTranslator CreateStreamTranslator(in TranslationContext context);

    /// <summary>Writes an OpenAI-shaped error for a provider error response and returns the status to send.</summary>
    int TranslateError(int status, ReadOnlySpan<byte> providerBody, IBufferWriter<byte> output);
}
