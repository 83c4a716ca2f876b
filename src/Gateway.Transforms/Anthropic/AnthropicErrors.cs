using System.Buffers;
using System.Text;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Anthropic;

/// <summary>Anthropic error bodies (<c>{"type":"error","error":{"type","message"}}</c>) → OpenAI errors.</summary>
internal static class AnthropicErrors
{
    public static int Translate(int status, ReadOnlySpan<byte> body, IBufferWriter<byte> output)
    {
        string? message = null;
        string? code = null;
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                message = error.TryGetProperty("message", out var m) ? m.GetString() : null;
                if (error.TryGetProperty("type", out var t) && t.GetString() is { } type)
                {
                    code = CodeFor(Encoding.UTF8.GetBytes(type));
                    if (type == "not_found_error" && message?.StartsWith("model:", StringComparison.Ordinal) == true)
                    {
                        code = "model_not_found";
                    }
                }
            }
        }
        catch (JsonException)
        {
        }

        message ??= ProviderErrorWriter.UnparsedMessage(status, body);
        return ProviderErrorWriter.Write(output, status, message, code);
    }

    /// <summary>An OpenAI-style code for an Anthropic error type.</summary>
    public static string? CodeFor(ReadOnlySpan<byte> type) => type switch
    {
        _ when type.SequenceEqual("overloaded_error"u8) => "overloaded",
        _ when type.SequenceEqual("rate_limit_error"u8) => "rate_limit_exceeded",
        _ when type.SequenceEqual("authentication_error"u8) => "invalid_api_key",
        _ when type.SequenceEqual("permission_error"u8) => "permission_denied",
        _ when type.SequenceEqual("not_found_error"u8) => "not_found",
        _ when type.SequenceEqual("request_too_large"u8) => "request_too_large",
        _ when type.SequenceEqual("api_error"u8) => "upstream_error",
        _ when type.SequenceEqual("billing_error"u8) => "insufficient_quota",
        _ => null,
    };
}
