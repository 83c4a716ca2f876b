using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// The few fields of a Responses API request body the simulator acts on: model, stream, <c>max_output_tokens</c> (null when
/// absent), a forced function call (<c>tool_choice</c> <c>{"type":"function","name":...}</c> naming a declared function
/// tool, or <c>"required"</c>: the first one), <c>store</c> (true unless <c>false</c>, as OpenAI's default is),
/// <c>previous_response_id</c>, <c>conversation</c> (its id, sent as a string or as <c>{"id":...}</c>) and, for a response
/// to store or a conversation to append to, the <c>input</c> as sent (its raw JSON, empty when absent), and
/// <c>background</c>. Instructions, hosted and custom tools are accepted and ignored.
/// </summary>
internal readonly record struct OpenAIResponsesRequest(
    string? Model,
    bool Stream,
    bool Background,
    int? MaxOutputTokens,
    ToolCallPlan? ForcedTool,
    bool Store,
    string? PreviousResponseId,
    string? Conversation,
    ReadOnlyMemory<byte> Input)
{
    /// <summary>Reads the body; false when it is not a JSON object.</summary>
    public static bool TryParse(ReadOnlySequence<byte> body, out OpenAIResponsesRequest request)
    {
        var read = RequestFields.ReadObject(body, root =>
        {
            var store = !(root.TryGetProperty("store", out var value) && value.ValueKind == JsonValueKind.False);
            var conversation = ReadConversation(root);
            return new StrongBox<OpenAIResponsesRequest>(new OpenAIResponsesRequest(
                RequestFields.String(root, "model"),
                RequestFields.IsTrue(root, "stream"),
                RequestFields.IsTrue(root, "background"),
                RequestFields.Int(root, "max_output_tokens"),
                ReadForcedTool(root),
                store,
                RequestFields.String(root, "previous_response_id"),
                conversation,
                store || conversation is not null ? CopyInput(root) : default));
        });
        request = read?.Value ?? default;
        return read is not null;
    }

    /// <summary>The input's JSON as it came, copied out of the request's pooled buffer; input_items lists it, a conversation keeps its items.</summary>
    private static ReadOnlyMemory<byte> CopyInput(JsonElement root) =>
        root.TryGetProperty("input", out var input) ? JsonMarshal.GetRawUtf8Value(input).ToArray() : default;

    /// <summary>The conversation's id: <c>"conversation":"conv_…"</c> or <c>"conversation":{"id":"conv_…"}</c>; null for anything else.</summary>
    private static string? ReadConversation(JsonElement root)
    {
        if (!root.TryGetProperty("conversation", out var conversation))
        {
            return null;
        }

        return conversation.ValueKind switch
        {
            JsonValueKind.String => conversation.GetString(),
            JsonValueKind.Object => RequestFields.String(conversation, "id"),
            _ => null,
        };
    }

    /// <summary>
    /// The call <c>tool_choice</c> forces, or null when it names no function tool the request declares (hosted tools,
    /// custom tools and <c>allowed_tools</c> answer with text). Function tools are flat in Responses: name and parameters
    /// sit beside their type.
    /// </summary>
    private static ToolCallPlan? ReadForcedTool(JsonElement root)
    {
        if (!root.TryGetProperty("tool_choice", out var choice) || !root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array
            || !(choice.ValueKind == JsonValueKind.Object || (choice.ValueKind == JsonValueKind.String && choice.ValueEquals("required"u8))))
        {
            return null;
        }

        string? named = null;
        if (choice.ValueKind == JsonValueKind.Object
            && (!IsFunction(choice) || (named = RequestFields.String(choice, "name")) is null))
        {
            return null;
        }

        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind == JsonValueKind.Object && IsFunction(tool) && RequestFields.String(tool, "name") is { } name
                && (named is null || named == name))
            {
                return ToolCallPlan.Create(name, tool.TryGetProperty("parameters", out var parameters) ? parameters : null);
            }
        }

        return null;
    }

    private static bool IsFunction(JsonElement element) =>
        element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.ValueEquals("function"u8);
}
