using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Bedrock;

/// <summary>
/// Bedrock error bodies (<c>{"message"}</c>, <c>{"Message"}</c> from some front ends) → OpenAI errors. The exception type
/// travels in the <c>x-amzn-ErrorType</c> header, not in the body, so the meaning is carried by the status: 400
/// ValidationException, 403 AccessDeniedException, 404 ResourceNotFoundException, 408 ModelTimeoutException, 424
/// ModelErrorException, 429 ThrottlingException, 500 InternalServerException, 503 ServiceUnavailableException.
/// </summary>
internal static class BedrockErrors
{
    public static int Translate(int status, ReadOnlySpan<byte> body, IBufferWriter<byte> output)
    {
        string? message = null;
        using (var document = ProviderJson.ParseObject(body))
        {
            if (document is not null
                && (document.RootElement.TryGetProperty("message", out var m) || document.RootElement.TryGetProperty("Message", out m))
                && m.ValueKind == JsonValueKind.String)
            {
                message = m.GetString();
            }
        }

        // A model that timed out (408) or failed (424) is the upstream's fault, not the client's: the client gets the
        // gateway statuses for it (504, 502), server errors that OpenAI clients retry.
        var (clientStatus, code) = status switch
        {
            404 when message?.Contains("model", StringComparison.OrdinalIgnoreCase) == true => (404, "model_not_found"),
            408 => (504, "upstream_timeout"),
            424 => (502, "upstream_error"),
            _ => (status, null),
        };
        return ProviderErrorWriter.Write(output, clientStatus, message ?? ProviderErrorWriter.UnparsedMessage(status, body), code);
    }
}
