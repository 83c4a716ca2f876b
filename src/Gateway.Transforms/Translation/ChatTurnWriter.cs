using System.Text.Json;
using MassRouter.Gateway.Transforms.Providers;

namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>Writes an OpenAI <c>messages</c> array as a provider's list of user and assistant turns of typed parts.</summary>
/// <remarks>
/// The walk is the same for Anthropic, Gemini and Bedrock: system and developer messages are left to the caller (the
/// providers take them apart from the turns), empty assistant messages are dropped, and consecutive tool messages become
/// one user turn (for Bedrock, every run of same-role messages does: <see cref="MergesConsecutiveTurns"/>). A derived writer supplies the provider's names and part shapes. It keeps no state, so one instance serves all requests.
/// </remarks>
internal abstract class ChatTurnWriter
{
    /// <summary>The provider's name as error messages give it ("Anthropic", "Gemini").</summary>
    protected abstract string Provider { get; }

    /// <summary>The role of an assistant turn.</summary>
    protected abstract ReadOnlySpan<byte> AssistantRole { get; }

    /// <summary>The property of a turn that holds its parts.</summary>
    protected abstract ReadOnlySpan<byte> PartsProperty { get; }

    /// <summary>
    /// True when consecutive messages of one role must share a turn (Bedrock Converse refuses two user or two assistant
    /// turns in a row); false keeps one turn per message, consecutive tool messages aside.
    /// </summary>
    protected virtual bool MergesConsecutiveTurns => false;

    /// <summary>Writes the turns as a JSON array; false with an error for a message the provider cannot take.</summary>
    public bool TryWrite(Utf8JsonWriter json, OpenAIChatRequest request, out CodecError error)
    {
        error = default;
        json.WriteStartArray();
        var open = Turn.None;
        foreach (var message in request.Messages.EnumerateArray())
        {
            var role = message.TryGetProperty("role", out var r) ? r.GetString() : null;
            switch (role)
            {
                case "system" or "developer":
                    if (!MergesConsecutiveTurns)
                    {
                        Enter(json, ref open, Turn.None);
                    }

                    break;
                case "user":
                    Enter(json, ref open, Turn.User);
                    if (!TryWriteUserContent(json, message, out error))
                    {
                        return false;
                    }

                    break;
                case "assistant":
                    if (!TryWriteAssistantParts(json, message, ref open, out error))
                    {
                        return false;
                    }

                    break;
                case "tool":
                    // Consecutive OpenAI tool messages answer one assistant turn; providers want every answer in the next user turn.
                    Enter(json, ref open, Turn.ToolResults);
                    if (!TryWriteToolResult(json, request, message, out error))
                    {
                        return false;
                    }

                    break;
                default:
                    error = OpenAIChatRequest.Invalid("messages", $"Messages with role '{role}' cannot be sent to {Provider} models.");
                    return false;
            }
        }

        Enter(json, ref open, Turn.None);
        json.WriteEndArray();
        return true;
    }

    /// <summary>Writes a text part.</summary>
    protected abstract void WriteText(Utf8JsonWriter json, string? text);

    /// <summary>Writes the parts of a user message: its <c>content</c> as one text part, or its parts (<see cref="TryWriteParts"/>).</summary>
    protected virtual bool TryWriteUserContent(Utf8JsonWriter json, JsonElement message, out CodecError error)
    {
        var content = message.TryGetProperty("content", out var c) ? c : default;
        if (content.ValueKind != JsonValueKind.Array)
        {
            error = default;
            WriteText(json, content.ValueKind == JsonValueKind.String ? content.GetString() : "");
            return true;
        }

        return TryWriteParts(json, content, out error);
    }

    /// <summary>Writes an image part for an OpenAI <c>image_url</c> URL; false with an error for one the provider cannot take.</summary>
    protected abstract bool TryWriteImage(Utf8JsonWriter json, string url, out CodecError error);

    /// <summary>Writes one assistant tool call as a part (the call and its <c>function</c>).</summary>
    protected abstract bool TryWriteToolCall(Utf8JsonWriter json, JsonElement call, JsonElement function, out CodecError error);

    /// <summary>Writes one tool message as a part of the user turn that collects them.</summary>
    protected abstract bool TryWriteToolResult(Utf8JsonWriter json, OpenAIChatRequest request, JsonElement message, out CodecError error);

    /// <summary>Why a user content part cannot be sent (a part that is not text or an image with a URL).</summary>
    protected virtual string UnsupportedPart(string? type) => $"Content parts of type '{type}' cannot be sent to {Provider} models.";

    /// <summary>The text a tool message answers with: its content as text, empty when it has none.</summary>
    protected static string ToolResultText(JsonElement message) =>
        message.TryGetProperty("content", out var content) ? OpenAIChatRequest.TextOf(content) ?? "" : "";

    /// <summary>Writes an array of OpenAI content parts (text and image_url).</summary>
    protected bool TryWriteParts(Utf8JsonWriter json, JsonElement content, out CodecError error)
    {
        error = default;
        foreach (var part in content.EnumerateArray())
        {
            var type = part.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type == "text")
            {
                WriteText(json, part.GetProperty("text").GetString());
            }
            else if (type == "image_url" && part.TryGetProperty("image_url", out var image) && image.TryGetProperty("url", out var url))
            {
                if (!TryWriteImage(json, url.GetString() ?? "", out error))
                {
                    return false;
                }
            }
            else
            {
                error = OpenAIChatRequest.Invalid("messages", UnsupportedPart(type));
                return false;
            }
        }

        return true;
    }

    private bool TryWriteAssistantParts(Utf8JsonWriter json, JsonElement message, ref Turn open, out CodecError error)
    {
        error = default;
        var text = message.TryGetProperty("content", out var content) ? OpenAIChatRequest.TextOf(content) : null;
        var hasCalls = message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array && calls.GetArrayLength() > 0;
        if (string.IsNullOrEmpty(text) && !hasCalls)
        {
            // Anthropic rejects empty assistant turns; an empty OpenAI assistant message carries nothing.
            if (!MergesConsecutiveTurns)
            {
                Enter(json, ref open, Turn.None);
            }

            return true;
        }

        Enter(json, ref open, Turn.Assistant);
        if (!string.IsNullOrEmpty(text))
        {
            WriteText(json, text);
        }

        if (hasCalls)
        {
            foreach (var call in calls.EnumerateArray())
            {
                if (!TryWriteToolCall(json, call, call.GetProperty("function"), out error))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Moves to a turn of <paramref name="next"/> kind: continues the open turn when they may share one, else ends it and starts the next.</summary>
    private void Enter(Utf8JsonWriter json, ref Turn open, Turn next)
    {
        var continues = open != Turn.None
            && (open == next && next == Turn.ToolResults
                || MergesConsecutiveTurns && next != Turn.None && (open == Turn.Assistant) == (next == Turn.Assistant));
        if (!continues)
        {
            if (open != Turn.None)
            {
                EndTurn(json);
            }

            if (next != Turn.None)
            {
                StartTurn(json, next == Turn.Assistant ? AssistantRole : "user"u8);
            }
        }

        open = next;
    }

    private void StartTurn(Utf8JsonWriter json, ReadOnlySpan<byte> role)
    {
        json.WriteStartObject();
        json.WriteString("role"u8, role);
        json.WriteStartArray(PartsProperty);
    }

    private static void EndTurn(Utf8JsonWriter json)
    {
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private enum Turn
    {
        None,
        User,
        ToolResults,
        Assistant,
    }
}
