using System.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Ingress.Responses;

/// <summary>
/// The codec of a deployment whose provider speaks OpenAI's Responses API serving a Responses client
/// (<c>/v1/responses</c>): the client's request goes as it is (only the model replaced), and every answer, event and
/// error comes back as it came, usage read on the way. What only the Responses API has (reasoning items carried between
/// turns, hosted and custom tools, stored responses) then works as it does against the provider itself.
/// </summary>
public sealed class ResponsesPassthroughCodec : IChatCodec
{
    /// <summary>The one instance (the codec holds no state).</summary>
    public static readonly ResponsesPassthroughCodec Instance = new();

    private ResponsesPassthroughCodec()
    {
    }

    /// <inheritdoc />
    public string Kind => ProviderKinds.OpenAI;

    /// <inheritdoc />
    public string RequestPath(string upstreamModel, bool stream) => "/responses";

    /// <summary>Writes the client's Responses request (not a chat one: this codec sits on the Responses ingress) with the upstream model.</summary>
    public bool TryWriteRequest(ReadOnlyMemory<byte> openAIRequest, in ChatRequestInfo info, string upstreamModel, IBufferWriter<byte> output, out CodecError error)
    {
        if (ModelFieldRewriter.TryRewrite(openAIRequest.Span, upstreamModel, output))
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
        ResponsesUsageReader.ReadResponse(providerBody, ref usage);
        output.Write(providerBody);
        return true;
    }

    /// <inheritdoc />
    public IChatStreamTranslator CreateStreamTranslator(in TranslationContext context) => new ResponsesPassthroughStream();

    /// <inheritdoc />
    public int TranslateError(int status, ReadOnlySpan<byte> providerBody, IBufferWriter<byte> output)
    {
        if (OpenAIErrorWriter.IsOpenAIError(providerBody))
        {
            output.Write(providerBody);
            return status;
        }

        // Not OpenAI-shaped (a proxy's page, say): wrapped, so the client always sees one error shape.
        return ProviderErrorWriter.Write(output, status, ProviderErrorWriter.UnparsedMessage(status, providerBody), null);
    }
}
