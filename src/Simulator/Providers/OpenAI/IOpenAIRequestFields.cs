using System.Text.Json;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>The fields one OpenAI request parser reads besides <see cref="OpenAIGenerationFields"/>, in the same pass.</summary>
internal interface IOpenAIRequestFields
{
    /// <summary>
    /// When the reader is on the name of one of these properties, reads its value (leaving the reader on the value's first or
    /// last token) and returns true; otherwise moves nothing.
    /// </summary>
    bool TryRead(ref Utf8JsonReader reader);
}
