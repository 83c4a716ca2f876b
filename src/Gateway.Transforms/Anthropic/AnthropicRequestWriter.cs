using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Anthropic;

/// <summary>Writes an Anthropic Messages request for an OpenAI chat-completions request.</summary>
internal static class AnthropicRequestWriter
{
    /// <summary>
    /// Anthropic requires <c>max_tokens</c>; OpenAI does not. When the client gives none, the model's own limit is sent
    /// (<see cref="AnthropicOutputLimits"/>); for a model of an unknown family, this default (plus the thinking budget when
    /// reasoning is on), which is within every Claude model's limit.
    /// </summary>
    public const int DefaultMaxTokens = 4096;

    public static bool TryWrite(OpenAIChatRequest request, bool stream, string upstreamModel, IBufferWriter<byte> output, out CodecError error)
    {
        var root = request.Root;
        if (!TryCheckParameters(request, out error))
        {
            return false;
        }

        var budget = 0;
        if (root.TryGetProperty("reasoning_effort", out var effort) && effort.ValueKind == JsonValueKind.String)
        {
            budget = ReasoningBudgets.For(effort.GetString());
            if (budget < 0)
            {
                error = OpenAIChatRequest.Invalid("reasoning_effort", $"Unknown reasoning_effort '{effort.GetString()}' (use none, minimal, low, medium or high).");
                return false;
            }
        }

        var maxTokens = request.MaxTokens ?? AnthropicOutputLimits.DefaultFor(upstreamModel, stream) ?? (DefaultMaxTokens + budget);
        if (budget > 0 && ContinuesToolLoop(request.Messages))
        {
            // With thinking on, Anthropic wants the assistant turn whose tool results this request carries to start with
            // its signed thinking block, which an OpenAI client cannot send back: it would refuse every tool loop's second
            // request. That one answer goes without extended thinking (as LiteLLM does); the next user turn has it again.
            budget = 0;
        }

        if (budget > 0 && budget >= maxTokens)
        {
            // Anthropic needs the thinking budget below max_tokens and at least 1024.
            budget = maxTokens - 1;
            if (budget < 1024)
            {
                error = OpenAIChatRequest.Invalid("max_tokens", "With reasoning_effort set, max_tokens must be above 1024 for Anthropic models.");
                return false;
            }
        }

        using var json = new Utf8JsonWriter(output, JsonOutput.ValidatedOptions);
        json.WriteStartObject();
        json.WriteString("model"u8, upstreamModel);
        json.WriteNumber("max_tokens"u8, maxTokens);
        WriteSystem(json, request);
        json.WritePropertyName("messages"u8);
        if (!AnthropicTurnWriter.Instance.TryWrite(json, request, out error))
        {
            return false;
        }

        json.WriteBoolean("stream"u8, stream);
        if (root.TryGetProperty("temperature", out var temperature) && temperature.ValueKind == JsonValueKind.Number)
        {
            json.WritePropertyName("temperature"u8);
            temperature.WriteTo(json);
        }

        if (root.TryGetProperty("top_p", out var topP) && topP.ValueKind == JsonValueKind.Number)
        {
            json.WritePropertyName("top_p"u8);
            topP.WriteTo(json);
        }

        if (root.TryGetProperty("stop", out var stop) && stop.ValueKind is JsonValueKind.String or JsonValueKind.Array)
        {
            OpenAIChatRequest.WriteStopArray(json, "stop_sequences"u8, stop);
        }

        if (root.TryGetProperty("user", out var user) && user.ValueKind == JsonValueKind.String)
        {
            json.WriteStartObject("metadata"u8);
            json.WriteString("user_id"u8, user.GetString());
            json.WriteEndObject();
        }

        if (!TryWriteTools(json, request, out error))
        {
            return false;
        }

        if (budget > 0)
        {
            json.WriteStartObject("thinking"u8);
            json.WriteString("type"u8, "enabled"u8);
            json.WriteNumber("budget_tokens"u8, budget);
            json.WriteEndObject();
        }

        if (!TryWriteResponseFormat(json, request, out error))
        {
            return false;
        }

        json.WriteEndObject();
        json.Flush();
        return true;
    }

    /// <summary>
    /// True when the last assistant message called tools: its results follow it (a user's words after them join them in
    /// one Anthropic user turn), so the request continues that assistant turn.
    /// </summary>
    internal static bool ContinuesToolLoop(JsonElement messages)
    {
        if (messages.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var calledTools = false;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role"u8, out var role) && role.ValueEquals("assistant"u8))
            {
                calledTools = message.TryGetProperty("tool_calls"u8, out var calls) && calls.ValueKind == JsonValueKind.Array && calls.GetArrayLength() > 0;
            }
        }

        return calledTools;
    }

    private static bool TryCheckParameters(OpenAIChatRequest request, out CodecError error) => request.TryCheckParameters(
        static name => OpenAIChatRequest.IsCommonParameter(name) || name is "parallel_tool_calls",
        static name => OpenAIChatRequest.WhyUnsupported(name, "Anthropic"),
        out error);

    private static void WriteSystem(Utf8JsonWriter json, OpenAIChatRequest request)
    {
        var texts = request.SystemTexts();
        if (texts.Count == 1)
        {
            json.WriteString("system"u8, texts[0]);
        }
        else if (texts.Count > 1)
        {
            json.WriteStartArray("system"u8);
            foreach (var text in texts)
            {
                AnthropicTurnWriter.WriteTextBlock(json, text);
            }

            json.WriteEndArray();
        }
    }

    private static bool TryWriteTools(Utf8JsonWriter json, OpenAIChatRequest request, out CodecError error)
    {
        error = default;
        var root = request.Root;
        var hasTools = ToolDefinitions.TryCollect(request, out var tools, out error);
        if (!hasTools && error.Status != 0)
        {
            return false;
        }

        if (hasTools)
        {
            json.WriteStartArray("tools"u8);
            foreach (var tool in tools)
            {
                json.WriteStartObject();
                json.WriteString("name"u8, tool.Name);
                if (tool.Description is { } description)
                {
                    json.WriteString("description"u8, description);
                }

                json.WritePropertyName("input_schema"u8);
                ToolDefinitions.WriteParameters(json, tool.Parameters);
                if (tool.Strict)
                {
                    json.WriteBoolean("strict"u8, true);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        if (!ToolDefinitions.TryReadChoice(request, out var choice, out var named, out error))
        {
            return false;
        }

        var noParallel = root.TryGetProperty("parallel_tool_calls", out var parallel) && parallel.ValueKind == JsonValueKind.False;
        if (choice == ToolChoice.Unspecified && !(noParallel && hasTools))
        {
            return true;
        }

        json.WriteStartObject("tool_choice"u8);
        json.WriteString("type"u8, choice switch
        {
            ToolChoice.None => "none",
            ToolChoice.Required => "any",
            ToolChoice.Named => "tool",
            _ => "auto",
        });
        if (choice == ToolChoice.Named)
        {
            json.WriteString("name"u8, named);
        }

        if (noParallel && choice != ToolChoice.None)
        {
            json.WriteBoolean("disable_parallel_tool_use"u8, true);
        }

        json.WriteEndObject();
        return true;
    }

    private static bool TryWriteResponseFormat(Utf8JsonWriter json, OpenAIChatRequest request, out CodecError error)
    {
        if (!request.TryReadJsonSchemaFormat("Anthropic", out _, out var schema, out error))
        {
            return false;
        }

        if (schema.ValueKind != JsonValueKind.Undefined)
        {
            json.WriteStartObject("output_config"u8);
            json.WriteStartObject("format"u8);
            json.WriteString("type"u8, "json_schema"u8);
            json.WritePropertyName("schema"u8);
            schema.WriteTo(json);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return true;
    }
}
