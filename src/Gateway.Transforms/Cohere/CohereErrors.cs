using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Cohere;

/// <summary>Cohere error bodies (<c>{"id","message"}</c>) → OpenAI errors; the meaning is carried by the status.</summary>
internal static class CohereErrors
{
    public static int Translate(int status, ReadOnlySpan<byte> body, IBufferWriter<byte> output)
    {
        string? message = null;
        using (var document = ProviderJson.ParseObject(body))
        {
            if (document is not null && document.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
            {
                message = m.GetString();
            }
        }

        var code = status == 404 && message?.Contains("model", StringComparison.OrdinalIgnoreCase) == true ? "model_not_found" : null;
        return ProviderErrorWriter.Write(output, status, message ?? ProviderErrorWriter.UnparsedMessage(status, body), code);
    }
}
