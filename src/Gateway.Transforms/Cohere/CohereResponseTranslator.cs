using System.Buffers;
using System.Text;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Cohere;

/// <summary>A non-streaming Cohere v2 chat response → OpenAI <c>chat.completion</c>.</summary>
internal static class CohereResponseTranslator
{
    /// <summary>False (never an exception) when the body is not the provider's answer of the expected shape.</summary>
    public static bool TryTranslate(ReadOnlySpan<byte> body, in TranslationContext context, IBufferWriter<byte> output, out TokenUsage usage) =>
        ProviderJson.TryTranslate(Translate, body, context, output, out usage);

    private static bool Translate(ReadOnlySpan<byte> body, in TranslationContext context, IBufferWriter<byte> output, out TokenUsage usage)
    {
        usage = default;
        using var document = ProviderJson.ParseObject(body);
        if (document is null || !document.RootElement.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var root = document.RootElement;
        var result = new CompletionResult
        {
            Id = root.TryGetProperty("id", out var id) ? id.GetString() ?? "" : "",
            Model = context.Model,
        };
        if (message.TryGetProperty("tool_plan", out var plan) && plan.ValueKind == JsonValueKind.String)
        {
            result.Reasoning.Append(plan.GetString());
        }

        if (message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
        {
            foreach (var block in content.EnumerateArray())
            {
                if (block.TryGetProperty("text", out var text))
                {
                    result.Content.Append(text.GetString());
                    result.HasContent = true;
                }
                else if (block.TryGetProperty("thinking", out var thinking))
                {
                    result.Reasoning.Append(thinking.GetString());
                }
            }
        }

        if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                var function = call.GetProperty("function");
                var arguments = function.TryGetProperty("arguments", out var a) ? a.GetString() : null;
                result.ToolCalls.Add(new ToolCallResult(
                    call.TryGetProperty("id", out var callId) ? callId.GetString() ?? "" : "",
                    function.GetProperty("name").GetString() ?? "",
                    string.IsNullOrEmpty(arguments) ? "{}" : arguments));
            }
        }

        var finish = root.TryGetProperty("finish_reason", out var f) ? f.GetString() ?? "COMPLETE" : "COMPLETE";
        result.FinishReason = Encoding.UTF8.GetString(CohereFinishReasons.Map(Encoding.UTF8.GetBytes(finish)));
        if (root.TryGetProperty("usage", out var u))
        {
            usage = CohereUsage.Read(Encoding.UTF8.GetBytes(u.GetRawText()));
        }

        result.Usage = usage;
        ChatCompletionWriter.Write(output, result, context.Created);
        return true;
    }
}
