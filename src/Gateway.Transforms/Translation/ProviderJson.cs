using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Usage;

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

    /// <summary>A non-streaming response translation.</summary>
    public delegate bool Translation(ReadOnlySpan<byte> body, in TranslationContext context, IBufferWriter<byte> output, out TokenUsage usage);

    /// <summary>Runs <paramref name="translate"/>; a body of an unexpected shape gives false, never an exception.</summary>
    public static bool TryTranslate(Translation translate, ReadOnlySpan<byte> body, in TranslationContext context, IBufferWriter<byte> output, out TokenUsage usage)
    {
        try
        {
            return translate(body, context, output, out usage);
        }
        catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or FormatException)
        {
            usage = default;
            return false;
        }
    }
}
