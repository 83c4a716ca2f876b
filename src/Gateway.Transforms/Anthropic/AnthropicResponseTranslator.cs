using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Anthropic;

/// <summary>A non-streaming Anthropic message → OpenAI <c>chat.completion</c>.</summary>
internal static class AnthropicResponseTranslator
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
        if (!root.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var result = new CompletionResult
        {
            Id = root.TryGetProperty("id", out var id) ? id.GetString() ?? "" : "",
            Model = root.TryGetProperty("model", out var model) ? model.GetString() ?? context.Model : context.Model,
        };
        foreach (var block in content.EnumerateArray())
        {
            switch (block.TryGetProperty("type", out var t) ? t.GetString() : null)
            {
                case "text":
                    result.Content.Append(block.GetProperty("text").GetString());
                    result.HasContent = true;
                    break;
                case "thinking":
                    result.Reasoning.Append(block.GetProperty("thinking").GetString());
                    break;
                case "tool_use":
                    result.ToolCalls.Add(new ToolCallResult(
                        block.GetProperty("id").GetString() ?? "",
                        block.GetProperty("name").GetString() ?? "",
                        block.TryGetProperty("input", out var input) ? JsonOutput.Compact(input) : "{}"));
                    break;
            }
        }

        var stop = root.TryGetProperty("stop_reason", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        result.FinishReason = AnthropicFinishReasons.Map(stop);
        if (stop == "refusal")
        {
            result.Refusal = root.TryGetProperty("stop_details", out var details) && details.TryGetProperty("explanation", out var e)
                ? e.GetString()
                : "The model declined to answer.";
        }

        if (root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object)
        {
            long input = 0, cacheRead = 0, cacheCreation = 0;
            AnthropicUsage.Apply(System.Text.Encoding.UTF8.GetBytes(u.GetRawText()), ref usage, ref input, ref cacheRead, ref cacheCreation);
        }

        result.Usage = usage;
        ChatCompletionWriter.Write(output, result, context.Created);
        return true;
    }
}
