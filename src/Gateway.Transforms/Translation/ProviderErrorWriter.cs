using System.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;

namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>Writes a provider's error as an OpenAI error with the same meaning, and picks the status to send.</summary>
internal static class ProviderErrorWriter
{
    /// <summary>Writes the error; returns the HTTP status for the client.</summary>
    /// <param name="output">Where the OpenAI error object goes.</param>
    /// <param name="status">The provider's status (529 and other non-standard ones are mapped).</param>
    /// <param name="message">The provider's own message, kept verbatim.</param>
    /// <param name="code">An OpenAI-style code, or null to derive one from the status.</param>
    public static int Write(IBufferWriter<byte> output, int status, string message, string? code)
    {
        var clientStatus = ClientStatus(status);
        OpenAIErrorWriter.Write(output, message, TypeFor(clientStatus), null, code ?? CodeFor(status));
        return clientStatus;
    }

    /// <summary>529 (Anthropic "overloaded") is not a status OpenAI clients know; 503 carries the same meaning and is retried.</summary>
    public static int ClientStatus(int status) => status == 529 ? 503 : status;

    public static string TypeFor(int status) => status switch
    {
        429 => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    public static string? CodeFor(int status) => status switch
    {
        401 => "invalid_api_key",
        403 => "permission_denied",
        404 => "not_found",
        413 => "request_too_large",
        429 => "rate_limit_exceeded",
        529 or 503 => "overloaded",
        >= 500 => "upstream_error",
        _ => null,
    };

    /// <summary>A message for a body that is not the provider's error JSON (a proxy's HTML page, say).</summary>
    public static string UnparsedMessage(int status, ReadOnlySpan<byte> body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body[..Math.Min(body.Length, 2000)]).Trim();
        return $"The provider returned HTTP {status}" + (text.Length > 0 ? ": " + text : ".");
    }
}
