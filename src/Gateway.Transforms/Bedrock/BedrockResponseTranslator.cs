using System.Buffers;
using System.Text;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Bedrock;

/// <summary>A non-streaming Converse response → OpenAI <c>chat.completion</c>.</summary>
internal static class BedrockResponseTranslator
{
    /// <summary>False (never an exception) when the body is not the provider's answer of the expected shape.</summary>
    public static bool TryTranslate(ReadOnlySpan<byte> body, in TranslationContext context, IBufferWriter<byte> output, out TokenUsage usage) =>
        ProviderJson.TryTranslate(Translate, body, context, output, out usage);

    /// <summary>
    /// A completion id, since Converse sends none in its body (its request id is only a header): <c>chatcmpl-</c> and 32
    /// random hex digits, unique as OpenAI's are.
    /// </summary>
    public static string NewId() => "chatcmpl-" + Guid.NewGuid().ToString("N");

    private static bool Translate(ReadOnlySpan<byte> body, in TranslationContext context, IBufferWriter<byte> output, out TokenUsage usage)
    {
        usage = default;
        using var document = ProviderJson.ParseObject(body);
        if (document is null
            || !document.RootElement.TryGetProperty("output", out var answer)
            || !answer.TryGetProperty("message", out var message)
            || !message.TryGetProperty("content", out var content)
            || content.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var root = document.RootElement;
        var result = new CompletionResult { Id = NewId(), Model = context.Model };
        foreach (var block in content.EnumerateArray())
        {
            if (block.TryGetProperty("text", out var text))
            {
                result.Content.Append(text.GetString());
                result.HasContent = true;
            }
            else if (block.TryGetProperty("reasoningContent", out var reasoning))
            {
                // A redactedContent block (encrypted thinking) has nothing to show.
                if (reasoning.TryGetProperty("reasoningText", out var reasoningText) && reasoningText.TryGetProperty("text", out var thought))
                {
                    result.Reasoning.Append(thought.GetString());
                }
            }
            else if (block.TryGetProperty("toolUse", out var toolUse))
            {
                result.ToolCalls.Add(new ToolCallResult(
                    toolUse.GetProperty("toolUseId").GetString() ?? "",
                    toolUse.GetProperty("name").GetString() ?? "",
                    toolUse.TryGetProperty("input", out var input) ? JsonOutput.Compact(input) : "{}"));
            }
        }

        var stop = root.TryGetProperty("stopReason", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() ?? "" : "";
        result.FinishReason = Encoding.UTF8.GetString(BedrockFinishReasons.Map(Encoding.UTF8.GetBytes(stop)));
        if (root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object)
        {
            usage = BedrockUsage.Read(Encoding.UTF8.GetBytes(u.GetRawText()));
        }

        result.Usage = usage;
        ChatCompletionWriter.Write(output, result, context.Created);
        return true;
    }
}
