using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// One generated chat completion: <paramref name="Choices"/> identical choices (the request's <c>n</c>), each either
/// <paramref name="TextTokens"/> tokens of text or one call of the forced <paramref name="Tool"/>.
/// </summary>
internal sealed record OpenAIAnswer(int Choices, int TextTokens, ToolCallPlan? Tool, bool Truncated)
{
    /// <summary>Completion tokens over every choice, as OpenAI bills <c>n</c>: a tool call counts its nominal tokens.</summary>
    public int CompletionTokens => Choices * (Tool?.Tokens ?? TextTokens);

    public ReadOnlySpan<byte> FinishReason => Tool is not null ? "tool_calls"u8 : Truncated ? "length"u8 : "stop"u8;

    /// <summary>Content events per choice: text chunks of <paramref name="chunkSize"/> tokens, or the call's argument fragments.</summary>
    public int ChunkCount(int chunkSize) => Tool is { } tool ? tool.Fragments.Length : (TextTokens + chunkSize - 1) / chunkSize;
}
