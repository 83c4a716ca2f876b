namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>OpenAI's <c>tool_choice</c>, provider-neutral.</summary>
internal enum ToolChoice
{
    Unspecified,
    Auto,
    None,
    Required,
    Named,
}
