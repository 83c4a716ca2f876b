using System.Buffers;
using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>Writes a <see cref="CompletionResult"/> as an OpenAI <c>chat.completion</c> object.</summary>
internal static class ChatCompletionWriter
{
    public static void Write(IBufferWriter<byte> output, CompletionResult result, long created)
    {
        using var json = new Utf8JsonWriter(output, JsonOutput.Options);
        json.WriteStartObject();
        json.WriteString("id"u8, result.Id);
        json.WriteString("object"u8, "chat.completion"u8);
        json.WriteNumber("created"u8, created);
        json.WriteString("model"u8, result.Model);
        json.WriteStartArray("choices"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, 0);
        json.WriteStartObject("message"u8);
        json.WriteString("role"u8, "assistant"u8);
        if (result.HasContent || (result.ToolCalls.Count == 0 && result.Refusal is null))
        {
            json.WriteString("content"u8, result.Content.ToString());
        }
        else
        {
            json.WriteNull("content"u8);
        }

        if (result.Reasoning.Length > 0)
        {
            json.WriteString("reasoning_content"u8, result.Reasoning.ToString());
        }

        if (result.Refusal is null)
        {
            json.WriteNull("refusal"u8);
        }
        else
        {
            json.WriteString("refusal"u8, result.Refusal);
        }

        if (result.ToolCalls.Count > 0)
        {
            json.WriteStartArray("tool_calls"u8);
            foreach (var call in result.ToolCalls)
            {
                json.WriteStartObject();
                json.WriteString("id"u8, call.Id);
                json.WriteString("type"u8, "function"u8);
                json.WriteStartObject("function"u8);
                json.WriteString("name"u8, call.Name);
                json.WriteString("arguments"u8, call.Arguments);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        json.WriteString("finish_reason"u8, result.FinishReason);
        json.WriteEndObject();
        json.WriteEndArray();
        OpenAIChunkWriter.WriteUsage(json, result.Usage);
        json.WriteEndObject();
    }
}
