namespace MassRouter.Gateway.Transforms.Providers;

/// <summary>The wire formats the gateway speaks upstream.</summary>
public static class ProviderKinds
{
    /// <summary>OpenAI chat completions and compatible APIs (passthrough).</summary>
    public const string OpenAI = "openai";

    /// <summary>Anthropic Messages API.</summary>
    public const string Anthropic = "anthropic";

    /// <summary>Google Gemini generateContent API.</summary>
    public const string Gemini = "gemini";

    /// <summary>Cohere v2 chat API.</summary>
    public const string Cohere = "cohere";

    /// <summary>Amazon Bedrock Converse API (binary AWS event stream when streaming).</summary>
    public const string Bedrock = "bedrock";

    /// <summary>Every supported kind.</summary>
    public static IReadOnlyList<string> All { get; } = [OpenAI, Anthropic, Gemini, Cohere, Bedrock];
}
