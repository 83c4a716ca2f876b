using MassRouter.Gateway.Transforms.Anthropic;
using MassRouter.Gateway.Transforms.Bedrock;
using MassRouter.Gateway.Transforms.Cohere;
using MassRouter.Gateway.Transforms.Gemini;

namespace MassRouter.Gateway.Transforms.Providers;

/// <summary>The codec for each provider kind. OpenAI-compatible providers need none: their traffic is relayed as is.</summary>
public static class ChatCodecs
{
    private static readonly AnthropicCodec AnthropicCodec = new();
    private static readonly GeminiCodec GeminiCodec = new();
    private static readonly CohereCodec CohereCodec = new();
    private static readonly BedrockCodec BedrockCodec = new();

    /// <summary>The codec translating to <paramref name="kind"/>, or null for OpenAI-compatible passthrough.</summary>
    public static IChatCodec? ForKind(string kind) => kind switch
    {
        ProviderKinds.Anthropic => AnthropicCodec,
        ProviderKinds.Gemini => GeminiCodec,
        ProviderKinds.Cohere => CohereCodec,
        ProviderKinds.Bedrock => BedrockCodec,
        _ => null,
    };
}
