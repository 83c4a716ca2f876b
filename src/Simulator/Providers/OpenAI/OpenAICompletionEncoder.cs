using System.Buffers;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Writes a non-streaming <c>chat.completion</c> body, in the field order of openai/openai-chat-text.json; a tool call's
/// message as in openai/openai-chat-tool-call-weather.response.json (content null, then <c>tool_calls</c>).
/// </summary>
internal static class OpenAICompletionEncoder
{
    public static void Write(IBufferWriter<byte> writer, string model, OpenAIAnswer answer, int promptTokens)
    {
        writer.Write("{\"id\":\""u8);
        OpenAIWire.WriteId(writer);
        writer.Write("\",\"object\":\"chat.completion\",\"created\":"u8);
        OpenAIWire.WriteNumber(writer, OpenAIWire.Now());
        writer.Write(",\"model\":"u8);
        OpenAIWire.WriteString(writer, model);
        writer.Write(",\"choices\":["u8);
        for (var choice = 0; choice < answer.Choices; choice++)
        {
            writer.Write(choice == 0 ? "{\"index\":"u8 : ",{\"index\":"u8);
            OpenAIWire.WriteNumber(writer, choice);
            writer.Write(",\"message\":{\"role\":\"assistant\",\"content\":"u8);
            if (answer.Tool is { } tool)
            {
                writer.Write("null,\"tool_calls\":[{\"id\":\""u8);
                OpenAIWire.WriteToolCallId(writer);
                writer.Write("\",\"type\":\"function\",\"function\":{\"name\":"u8);
                OpenAIWire.WriteString(writer, tool.Name);
                writer.Write(",\"arguments\":\""u8);
                JsonText.WriteEscaped(writer, tool.Arguments);
                writer.Write("\"}}]"u8);
            }
            else
            {
                writer.Write("\""u8);
                JsonText.WriteTokens(writer, 0, answer.TextTokens);
                writer.Write("\""u8);
            }

            writer.Write(",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\""u8);
            writer.Write(answer.FinishReason);
            writer.Write("\"}"u8);
        }

        writer.Write("],\"usage\":"u8);
        OpenAIWire.WriteUsage(writer, promptTokens, answer.CompletionTokens);
        writer.Write(",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_sim\"}"u8);
    }
}
