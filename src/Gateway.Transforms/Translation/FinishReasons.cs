namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>OpenAI's finish reasons.</summary>
internal static class FinishReasons
{
    public const string Stop = "stop";
    public const string Length = "length";
    public const string ToolCalls = "tool_calls";
    public const string ContentFilter = "content_filter";
}
