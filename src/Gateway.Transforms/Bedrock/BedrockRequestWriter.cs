using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Anthropic;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Bedrock;

/// <summary>
/// Writes a Bedrock Converse request for an OpenAI chat-completions request. The model and streaming are in the URL
/// (<see cref="BedrockCodec.RequestPath"/>), so the body has neither.
/// </summary>
internal static class BedrockRequestWriter
{
    public static bool TryWrite(OpenAIChatRequest request, bool stream, string upstreamModel, IBufferWriter<byte> output, out CodecError error)
    {
        var root = request.Root;
        if (!TryCheckParameters(request, out error) || !TryReadThinking(request, stream, upstreamModel, out var budget, out var maxTokens, out error))
        {
            return false;
        }

        using var json = new Utf8JsonWriter(output, JsonOutput.ValidatedOptions);
        json.WriteStartObject();
        json.WritePropertyName("messages"u8);
        if (!BedrockTurnWriter.Instance.TryWrite(json, request, out error))
        {
            return false;
        }

        WriteSystem(json, request);
        WriteInferenceConfig(json, root, maxTokens);
        if (!TryWriteTools(json, request, out error) || !TryWriteResponseFormat(json, request, out error))
        {
            return false;
        }

        if (budget > 0)
        {
            // Claude's extended thinking, passed through to the model as is. Other model families on Bedrock take other
            // fields (Nova's reasoningConfig), which the gateway does not translate.
            json.WriteStartObject("additionalModelRequestFields"u8);
            json.WriteStartObject("thinking"u8);
            json.WriteString("type"u8, "enabled"u8);
            json.WriteNumber("budget_tokens"u8, budget);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.Flush();
        return true;
    }

    // 'user' only labels the end user for abuse tracking; Converse has no such field and generation is unaffected.
    private static bool TryCheckParameters(OpenAIChatRequest request, out CodecError error) => request.TryCheckParameters(
        OpenAIChatRequest.IsCommonParameter,
        static name => OpenAIChatRequest.WhyUnsupported(name, "Bedrock"),
        out error);

    /// <summary>
    /// The thinking budget for <c>reasoning_effort</c> and the maxTokens to send, as the Anthropic writer decides them
    /// (the thinking models on Bedrock are Anthropic's): the budget stays below maxTokens, and a tool loop's next answer goes
    /// without thinking, since the client cannot send back the signed thinking block Claude then wants first.
    /// </summary>
    private static bool TryReadThinking(OpenAIChatRequest request, bool stream, string upstreamModel, out int budget, out int? maxTokens, out CodecError error)
    {
        error = default;
        budget = 0;
        maxTokens = request.MaxTokens;
        if (!request.Root.TryGetProperty("reasoning_effort", out var effort) || effort.ValueKind != JsonValueKind.String)
        {
            return true;
        }

        budget = ReasoningBudgets.For(effort.GetString());
        if (budget < 0)
        {
            error = OpenAIChatRequest.Invalid("reasoning_effort", $"Unknown reasoning_effort '{effort.GetString()}' (use none, minimal, low, medium or high).");
            return false;
        }

        if (budget == 0 || AnthropicRequestWriter.ContinuesToolLoop(request.Messages))
        {
            budget = 0;
            return true;
        }

        maxTokens ??= AnthropicOutputLimits.DefaultFor(upstreamModel, stream) ?? (AnthropicRequestWriter.DefaultMaxTokens + budget);
        if (budget >= maxTokens)
        {
            budget = maxTokens.Value - 1;
            if (budget < 1024)
            {
                error = OpenAIChatRequest.Invalid("max_tokens", "With reasoning_effort set, max_tokens must be above 1024 for Bedrock models.");
                return false;
            }
        }

        return true;
    }

    private static void WriteSystem(Utf8JsonWriter json, OpenAIChatRequest request)
    {
        var texts = request.SystemTexts();
        if (texts.Count == 0)
        {
            return;
        }

        json.WriteStartArray("system"u8);
        foreach (var text in texts)
        {
            BedrockTurnWriter.WriteTextBlock(json, text);
        }

        json.WriteEndArray();
    }

    private static void WriteInferenceConfig(Utf8JsonWriter json, JsonElement root, int? maxTokens)
    {
        var hasTemperature = root.TryGetProperty("temperature", out var temperature) && temperature.ValueKind == JsonValueKind.Number;
        var hasTopP = root.TryGetProperty("top_p", out var topP) && topP.ValueKind == JsonValueKind.Number;
        var hasStop = root.TryGetProperty("stop", out var stop) && stop.ValueKind is JsonValueKind.String or JsonValueKind.Array;
        if (maxTokens is null && !hasTemperature && !hasTopP && !hasStop)
        {
            return;
        }

        json.WriteStartObject("inferenceConfig"u8);
        if (maxTokens is { } max)
        {
            json.WriteNumber("maxTokens"u8, max);
        }

        if (hasTemperature)
        {
            json.WritePropertyName("temperature"u8);
            temperature.WriteTo(json);
        }

        if (hasTopP)
        {
            json.WritePropertyName("topP"u8);
            topP.WriteTo(json);
        }

        if (hasStop)
        {
            OpenAIChatRequest.WriteStopArray(json, "stopSequences"u8, stop);
        }

        json.WriteEndObject();
    }

    private static bool TryWriteTools(Utf8JsonWriter json, OpenAIChatRequest request, out CodecError error)
    {
        if (!ToolDefinitions.TryRead(request, out var tools, out var choice, out var named, out error))
        {
            return false;
        }

        var hasTools = tools.Count > 0;

        // Converse has no "none". Leaving the tools out says it, unless an earlier turn holds toolUse or toolResult blocks:
        // Converse then refuses a request without toolConfig, so the tools stay, with Converse's default choice (auto).
        if (!hasTools || (choice == ToolChoice.None && !UsesTools(request.Messages)))
        {
            return true;
        }

        json.WriteStartObject("toolConfig"u8);
        json.WriteStartArray("tools"u8);
        foreach (var tool in tools)
        {
            json.WriteStartObject();
            json.WriteStartObject("toolSpec"u8);
            json.WriteString("name"u8, tool.Name);
            if (tool.Description is { } description)
            {
                json.WriteString("description"u8, description);
            }

            json.WriteStartObject("inputSchema"u8);
            json.WritePropertyName("json"u8);
            ToolDefinitions.WriteParameters(json, tool.Parameters);
            json.WriteEndObject();
            if (tool.Strict)
            {
                json.WriteBoolean("strict"u8, true);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (choice is ToolChoice.Auto or ToolChoice.Required or ToolChoice.Named)
        {
            json.WriteStartObject("toolChoice"u8);
            json.WriteStartObject(choice switch
            {
                ToolChoice.Required => "any"u8,
                ToolChoice.Named => "tool"u8,
                _ => "auto"u8,
            });
            if (choice == ToolChoice.Named)
            {
                json.WriteString("name"u8, named);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndObject();
        return true;
    }

    /// <summary>True when a message calls tools or answers a call: the request then holds toolUse or toolResult blocks.</summary>
    private static bool UsesTools(JsonElement messages)
    {
        foreach (var message in messages.EnumerateArray())
        {
            if ((message.TryGetProperty("role"u8, out var role) && role.ValueEquals("tool"u8))
                || (message.TryGetProperty("tool_calls"u8, out var calls) && calls.ValueKind == JsonValueKind.Array && calls.GetArrayLength() > 0))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryWriteResponseFormat(Utf8JsonWriter json, OpenAIChatRequest request, out CodecError error)
    {
        if (!request.TryReadJsonSchemaFormat("Bedrock", out var spec, out var schema, out error))
        {
            return false;
        }

        if (schema.ValueKind == JsonValueKind.Undefined)
        {
            return true;
        }

        // Converse's structured output takes the schema as a JSON string.
        json.WriteStartObject("outputConfig"u8);
        json.WriteStartObject("textFormat"u8);
        json.WriteString("type"u8, "json_schema"u8);
        json.WriteStartObject("structure"u8);
        json.WriteStartObject("jsonSchema"u8);
        json.WriteString("schema"u8, JsonOutput.Compact(schema));
        if (spec.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
        {
            json.WriteString("name"u8, name.GetString());
        }

        if (spec.TryGetProperty("description", out var description) && description.ValueKind == JsonValueKind.String)
        {
            json.WriteString("description"u8, description.GetString());
        }

        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        return true;
    }
}
