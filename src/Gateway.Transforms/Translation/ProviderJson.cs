using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>Opens a non-streaming provider body (a rare, whole-body path where a document is the simplest reader).</summary>
internal static class ProviderJson
{
    /// <summary>The parsed body when it is a JSON object, else null.</summary>
    public static JsonDocument? ParseObject(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        try
        {
            if (JsonDocument.TryParseValue(ref reader, out var document))
            {
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    return document;
                }

                document.Dispose();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
