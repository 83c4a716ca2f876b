using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Gemini;

/// <summary>A non-streaming Gemini GenerateContentResponse → OpenAI <c>chat.completion</c>.</summary>
internal static class GeminiResponseTranslator
{
    /// <summary>False (never an exception) when the body is not the provider's answer of the expected shape.</summary>
    public static bool TryTranslate(ReadOnlySpan<byte> body, in TranslationContext context, IBufferWriter<byte> output, out TokenUsage usage) =>
        ProviderJson.TryTranslate(Translate, body, context, output, out usage);

    private static bool Translate(ReadOnlySpan<byte> body, in TranslationContext context, IBufferWriter<byte> output, out TokenUsage usage)
    {
        usage = default;
        using var document = ProviderJson.ParseObject(body);
        if (document is null)
        {
            return false;
        }

        var root = document.RootElement;
        var responseId = root.TryGetProperty("responseId", out var id) ? id.GetString() ?? "" : "";
        var result = new CompletionResult
        {
            Id = responseId,
            Model = root.TryGetProperty("modelVersion", out var model) ? model.GetString() ?? context.Model : context.Model,
        };
        string? finish = null;
        if (root.TryGetProperty("candidates", out var candidates) && candidates.ValueKind == JsonValueKind.Array && candidates.GetArrayLength() > 0)
        {
            var candidate = candidates[0];
            if (candidate.TryGetProperty("content", out var content) && content.TryGetProperty("parts", out var parts))
            {
                foreach (var part in parts.EnumerateArray())
                {
                    if (part.TryGetProperty("functionCall", out var call))
                    {
                        var callIdText = call.TryGetProperty("id", out var callId) ? callId.GetString() ?? "" : $"call_{responseId}_{result.ToolCalls.Count}";
                        if (part.TryGetProperty("thoughtSignature", out var signature) && signature.GetString() is { Length: > 0 } carried)
                        {
                            callIdText += GeminiThoughtSignatures.Separator + carried;
                        }

                        result.ToolCalls.Add(new ToolCallResult(
                            callIdText,
                            call.GetProperty("name").GetString() ?? "",
                            call.TryGetProperty("args", out var args) ? JsonOutput.Compact(args) : "{}"));
                    }
                    else if (part.TryGetProperty("text", out var text))
                    {
                        var isThought = part.TryGetProperty("thought", out var thought) && thought.ValueKind == JsonValueKind.True;
                        if (isThought)
                        {
                            result.Reasoning.Append(text.GetString());
                        }
                        else
                        {
                            result.Content.Append(text.GetString());
                            result.HasContent = true;
                        }
                    }
                }
            }

            finish = candidate.TryGetProperty("finishReason", out var f) ? f.GetString() : null;
        }
        else if (root.TryGetProperty("promptFeedback", out var feedback) && feedback.TryGetProperty("blockReason", out _))
        {
            finish = "SAFETY";
        }

        result.FinishReason = System.Text.Encoding.UTF8.GetString(
            GeminiFinishReasons.Map(System.Text.Encoding.UTF8.GetBytes(finish ?? "STOP"), result.ToolCalls.Count > 0));
        if (root.TryGetProperty("usageMetadata", out var metadata))
        {
            usage = GeminiUsage.Read(System.Text.Encoding.UTF8.GetBytes(metadata.GetRawText()));
        }

        result.Usage = usage;
        ChatCompletionWriter.Write(output, result, context.Created);
        return true;
    }
}
