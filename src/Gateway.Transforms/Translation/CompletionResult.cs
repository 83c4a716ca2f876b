using System.Text;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>A provider's non-streaming answer, gathered before it is written as an OpenAI <c>chat.completion</c>.</summary>
internal sealed class CompletionResult
{
    public string Id { get; set; } = "";

    public string Model { get; set; } = "";

    public StringBuilder Content { get; } = new();

    public bool HasContent { get; set; }

    public StringBuilder Reasoning { get; } = new();

    public string? Refusal { get; set; }

    public List<ToolCallResult> ToolCalls { get; } = [];

    public string FinishReason { get; set; } = FinishReasons.Stop;

    public TokenUsage Usage { get; set; }
}

/// <summary>One tool call of a non-streaming answer; <see cref="Arguments"/> is the JSON text OpenAI sends as a string.</summary>
internal sealed record ToolCallResult(string Id, string Name, string Arguments);
