using System.Buffers;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>Writes a non-streaming <c>chat.completion</c> body, in the field order of openai/openai-chat-text.json.</summary>
internal static class OpenAICompletionEncoder
{
    public static void Write(IBufferWriter<byte> writer, string model, int tokens, bool truncated, int promptTokens)
    {
        writer.Write("{\"id\":\""u8);
        OpenAIWire.WriteId(writer);
        writer.Write("\",\"object\":\"chat.completion\",\"created\":"u8);
        OpenAIWire.WriteNumber(writer, OpenAIWire.Now());
        writer.Write(",\"model\":"u8);
        OpenAIWire.WriteString(writer, model);
        writer.Write(",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""u8);
        for (var i = 0; i < tokens; i++)
        {
            writer.Write(TokenVocabulary.Get(i));
        }

        writer.Write("\",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":"u8);
        writer.Write(truncated ? "\"length\""u8 : "\"stop\""u8);
        writer.Write("}],\"usage\":"u8);
        OpenAIWire.WriteUsage(writer, promptTokens, tokens);
        writer.Write(",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_sim\"}"u8);
    }
}
