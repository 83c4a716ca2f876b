namespace MassRouter.Gateway.Transforms.OpenAI;

/// <summary>What an OpenAI <c>chat.completion.chunk</c> (or <c>chat.completion</c>) carries, as far as the gateway cares.</summary>
[Flags]
public enum ChunkFacts
{
    /// <summary>Nothing of interest (or not a JSON object).</summary>
    None = 0,

    /// <summary>The <c>choices</c> array has at least one element.</summary>
    HasChoices = 1,

    /// <summary>A delta or message carries generated output: content, refusal, reasoning or a tool call.</summary>
    HasOutput = 2,

    /// <summary>A non-null <c>usage</c> object.</summary>
    HasUsage = 4,

    /// <summary>An <c>error</c> object.</summary>
    HasError = 8,

    /// <summary>A <c>finish_reason</c> was set.</summary>
    Finished = 16,
}
