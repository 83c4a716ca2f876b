namespace MassRouter.LoadTests.Engine;

/// <summary>What one request asks of the mock: streaming or not, answer length and pacing, an injected fault, a model and key.</summary>
internal sealed record ChatShape
{
    public bool Stream { get; init; }

    public int Tokens { get; init; } = 16;

    public int TimeToFirstTokenMs { get; init; }

    public int InterTokenMs { get; init; }

    /// <summary>An <c>x-sim-fault</c> value; requests carrying one are expected to fail.</summary>
    public string? Fault { get; init; }

    /// <summary>Overrides the target's model.</summary>
    public string? Model { get; init; }

    /// <summary>Overrides the target's <c>Authorization</c> with <c>Bearer</c> this key.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Anthropic Messages format on <c>/v1/messages</c> instead of OpenAI chat completions.</summary>
    public bool Messages { get; init; }

    /// <summary>OpenAI Responses format on <c>/v1/responses</c> (instructions, a function tool, as agents send) instead of chat completions.</summary>
    public bool Responses { get; init; }

    /// <summary>When above 0: an embeddings request on <c>/v1/embeddings</c> with this many texts instead of a chat request.</summary>
    public int EmbeddingInputs { get; init; }
}
