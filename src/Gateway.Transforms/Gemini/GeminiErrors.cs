using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Gemini;

/// <summary>Google API errors (<c>{"error":{"code","message","status"}}</c>, sometimes wrapped in an array) → OpenAI errors.</summary>
internal static class GeminiErrors
{
    public static int Translate(int status, ReadOnlySpan<byte> body, IBufferWriter<byte> output)
    {
        string? message = null;
        string? code = null;
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0)
            {
                root = root[0];
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                message = error.TryGetProperty("message", out var m) ? m.GetString() : null;
                var googleStatus = error.TryGetProperty("status", out var s) ? s.GetString() : null;
                code = CodeFor(googleStatus);
                if (googleStatus == "NOT_FOUND" && message?.Contains("models/", StringComparison.Ordinal) == true)
                {
                    code = "model_not_found";
                }
            }
        }
        catch (JsonException)
        {
        }

        message ??= ProviderErrorWriter.UnparsedMessage(status, body);
        return ProviderErrorWriter.Write(output, status, message, code);
    }

    /// <summary>An OpenAI-style code for a google.rpc status name.</summary>
    public static string? CodeFor(string? googleStatus) => googleStatus switch
    {
        "RESOURCE_EXHAUSTED" => "rate_limit_exceeded",
        "UNAUTHENTICATED" => "invalid_api_key",
        "PERMISSION_DENIED" => "permission_denied",
        "NOT_FOUND" => "not_found",
        "UNAVAILABLE" => "overloaded",
        "DEADLINE_EXCEEDED" => "upstream_timeout",
        "INTERNAL" or "UNKNOWN" => "upstream_error",
        _ => null,
    };
}
