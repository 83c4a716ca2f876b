namespace MassRouter.Simulator.Generation;

/// <summary>The kinds of content a generated answer streams, in the order they appear.</summary>
internal enum AnswerBlock
{
    Thinking,
    Text,
    ToolCall,
}
