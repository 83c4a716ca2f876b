using System.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Ingress.Anthropic;

/// <summary>
/// The codec of an Anthropic-kind deployment serving an Anthropic client (<c>/v1/messages</c>): the request is already in the
/// provider's format (only the model is replaced) and every answer, event and error goes back as it came, usage read on the way.
/// </summary>
public sealed class AnthropicPassthroughCodec : IChatCodec
{
    /// <summary>The one instance (the codec holds no state).</summary>
    public static readonly AnthropicPassthroughCodec Instance = new();

    private AnthropicPassthroughCodec()
    {
    }

    /// <inheritdoc />
    public string Kind => ProviderKinds.Anthropic;

    /// <inheritdoc />
    public string RequestPath(string upstreamModel, bool stream) => "/messages";

    /// <summary>
    /// Writes the client's Anthropic request (not an OpenAI one: this codec sits on the Anthropic ingress) with the upstream
    /// model, less the thinking blocks Anthropic would refuse for want of a signature (<see cref="UnsignedThinkingBlocks"/>).
    /// </summary>
    public bool TryWriteRequest(ReadOnlyMemory<byte> openAIRequest, in ChatRequestInfo info, string upstreamModel, IBufferWriter<byte> output, out CodecError error)
    {
        var body = openAIRequest.Span;
        if ((UnsignedThinkingBlocks.MayBePresent(body) && UnsignedThinkingBlocks.TryRemove(body, upstreamModel, output))
            || ModelFieldRewriter.TryRewrite(body, upstreamModel, output))
        {
            error = default;
            return true;
        }

        error = new CodecError(400, "The request body must be a JSON object naming a model.", "model", "invalid_request");
        return false;
    }

    /// <inheritdoc />
    public bool TryTranslateResponse(ReadOnlySpan<byte> providerBody, in TranslationContext context, IBufferWriter<byte> output, out TokenUsage usage)
    {
        usage = default;
        AnthropicUsageReader.Read(providerBody, ref usage);
        output.Write(providerBody);
        return true;
    }

    /// <inheritdoc />
    public IChatStreamTranslator CreateStreamTranslator(in TranslationContext context) => new AnthropicPassthroughStream();

    /// <inheritdoc />
    public int TranslateError(int status, ReadOnlySpan<byte> providerBody, IBufferWriter<byte> output)
    {
        // Anthropic's own error bodies are what the client expects; anything else is wrapped by the client's response writer.
        output.Write(providerBody);
        return status;
    }
}
