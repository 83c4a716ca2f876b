using System.Buffers;
using System.Text;
using System.Text.Json;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>
/// Writes OpenAI <c>chat.completion.chunk</c> SSE events for one stream. One instance per stream: it keeps the
/// stream's id and model and one reusable <see cref="Utf8JsonWriter"/>, so a delta costs no heap allocation.
/// String values from the provider are copied as raw JSON tokens (already escaped), never decoded and re-encoded.
/// When the client asked for usage, every chunk but the usage chunk carries <c>"usage":null</c>, as OpenAI's do.
/// </summary>
internal sealed class OpenAIChunkWriter : IDisposable
{
    private readonly long _created;
    private readonly bool _nullUsage;
    private Utf8JsonWriter? _json;
    private IBufferWriter<byte>? _output;
    private byte[] _id = [];
    private byte[] _model;

    public OpenAIChunkWriter(string model, long created, bool includeUsage)
    {
        _model = Encoding.UTF8.GetBytes(model);
        _created = created;
        _nullUsage = includeUsage;
    }

    /// <summary>True once the role chunk has been written.</summary>
    public bool Started { get; private set; }

    /// <summary>Sets the stream id (once per stream).</summary>
    public void SetId(ReadOnlySpan<byte> unescapedId) => _id = unescapedId.ToArray();

    /// <summary>Sets the model reported by the provider (once per stream).</summary>
    public void SetModel(ReadOnlySpan<byte> unescapedModel) => _model = unescapedModel.ToArray();

    /// <summary>The first chunk: <c>{"role":"assistant","content":""}</c>.</summary>
    public void Role(IBufferWriter<byte> output)
    {
        var json = Begin(output);
        json.WriteString("role"u8, "assistant"u8);
        json.WriteString("content"u8, ""u8);
        End(null);
        Started = true;
    }

    /// <summary>A text delta under <paramref name="field"/> (content, reasoning_content, refusal) from a raw JSON string token.</summary>
    public void Text(IBufferWriter<byte> output, ReadOnlySpan<byte> field, ReadOnlySpan<byte> rawString)
    {
        var json = Begin(output);
        json.WritePropertyName(field);
        json.WriteRawValue(rawString, skipInputValidation: true);
        End(null);
    }

    /// <summary>The first fragment of a tool call: index, id, type and name, with arguments (raw string token, or empty).</summary>
    public void ToolCallStart(IBufferWriter<byte> output, int index, ReadOnlySpan<byte> rawId, ReadOnlySpan<byte> rawName, ReadOnlySpan<byte> rawArguments)
    {
        var json = BeginToolCall(output, index);
        json.WritePropertyName("id"u8);
        json.WriteRawValue(rawId, skipInputValidation: true);
        json.WriteString("type"u8, "function"u8);
        json.WriteStartObject("function"u8);
        json.WritePropertyName("name"u8);
        json.WriteRawValue(rawName, skipInputValidation: true);
        if (rawArguments.IsEmpty)
        {
            json.WriteString("arguments"u8, ""u8);
        }
        else
        {
            json.WritePropertyName("arguments"u8);
            json.WriteRawValue(rawArguments, skipInputValidation: true);
        }

        EndToolCall();
    }

    /// <summary>A whole tool call whose arguments are a JSON value (serialised into the arguments string).</summary>
    public void ToolCallWithJsonArguments(IBufferWriter<byte> output, int index, ReadOnlySpan<byte> id, ReadOnlySpan<byte> rawName, ReadOnlySpan<byte> argumentsJson)
    {
        var json = BeginToolCall(output, index);
        json.WriteString("id"u8, id);
        json.WriteString("type"u8, "function"u8);
        json.WriteStartObject("function"u8);
        json.WritePropertyName("name"u8);
        json.WriteRawValue(rawName, skipInputValidation: true);
        json.WriteString("arguments"u8, argumentsJson);
        EndToolCall();
    }

    /// <summary>A later argument fragment of a tool call (raw JSON string token).</summary>
    public void ToolCallArguments(IBufferWriter<byte> output, int index, ReadOnlySpan<byte> rawArguments)
    {
        var json = BeginToolCall(output, index);
        json.WriteStartObject("function"u8);
        json.WritePropertyName("arguments"u8);
        json.WriteRawValue(rawArguments, skipInputValidation: true);
        EndToolCall();
    }

    /// <summary>A later argument fragment of a tool call, from unescaped JSON text.</summary>
    public void ToolCallArgumentsText(IBufferWriter<byte> output, int index, ReadOnlySpan<byte> argumentsText)
    {
        var json = BeginToolCall(output, index);
        json.WriteStartObject("function"u8);
        json.WriteString("arguments"u8, argumentsText);
        EndToolCall();
    }

    /// <summary>The first fragment of a tool call with an unescaped id and empty arguments.</summary>
    public void ToolCallStartWithId(IBufferWriter<byte> output, int index, ReadOnlySpan<byte> id, ReadOnlySpan<byte> rawName)
    {
        var json = BeginToolCall(output, index);
        json.WriteString("id"u8, id);
        json.WriteString("type"u8, "function"u8);
        json.WriteStartObject("function"u8);
        json.WritePropertyName("name"u8);
        json.WriteRawValue(rawName, skipInputValidation: true);
        json.WriteString("arguments"u8, ""u8);
        EndToolCall();
    }

    /// <summary>The chunk with an empty delta and the finish reason.</summary>
    public void Finish(IBufferWriter<byte> output, ReadOnlySpan<byte> finishReason)
    {
        Begin(output);
        End(finishReason);
    }

    /// <summary>The usage chunk: <c>choices: []</c> and <c>usage</c>.</summary>
    public void Usage(IBufferWriter<byte> output, in TokenUsage usage)
    {
        var json = Header(output);
        json.WriteStartArray("choices"u8);
        json.WriteEndArray();
        WriteUsage(json, usage);
        json.WriteEndObject();
        Flush();
    }

    /// <summary>A final OpenAI-style error event followed by <c>[DONE]</c>.</summary>
    public void Error(IBufferWriter<byte> output, string message, string type, string? code)
    {
        output.Write("data: "u8);
        var json = Writer(output);
        OpenAIErrorWriter.Write(json, message, type, null, code);
        output.Write("\n\n"u8);
        Done(output);
    }

    /// <summary>The end-of-stream sentinel.</summary>
    public static void Done(IBufferWriter<byte> output) => output.Write("data: [DONE]\n\n"u8);

    /// <summary>Writes an OpenAI <c>usage</c> property.</summary>
    public static void WriteUsage(Utf8JsonWriter json, in TokenUsage usage)
    {
        json.WriteStartObject("usage"u8);
        json.WriteNumber("prompt_tokens"u8, usage.PromptTokens);
        json.WriteNumber("completion_tokens"u8, usage.CompletionTokens);
        json.WriteNumber("total_tokens"u8, usage.TotalTokens);
        json.WriteStartObject("prompt_tokens_details"u8);
        json.WriteNumber("cached_tokens"u8, usage.CachedPromptTokens);
        json.WriteEndObject();
        json.WriteStartObject("completion_tokens_details"u8);
        json.WriteNumber("reasoning_tokens"u8, usage.ReasoningTokens);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private Utf8JsonWriter Writer(IBufferWriter<byte> output)
    {
        if (_json is null)
        {
            _json = new Utf8JsonWriter(output, JsonOutput.Options);
        }
        else
        {
            _json.Reset(output);
        }

        _output = output;
        return _json;
    }

    private Utf8JsonWriter Header(IBufferWriter<byte> output)
    {
        output.Write("data: "u8);
        var json = Writer(output);
        json.WriteStartObject();
        json.WriteString("id"u8, _id);
        json.WriteString("object"u8, "chat.completion.chunk"u8);
        json.WriteNumber("created"u8, _created);
        json.WriteString("model"u8, _model);
        return json;
    }

    private Utf8JsonWriter Begin(IBufferWriter<byte> output)
    {
        var json = Header(output);
        json.WriteStartArray("choices"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, 0);
        json.WriteStartObject("delta"u8);
        return json;
    }

    private Utf8JsonWriter BeginToolCall(IBufferWriter<byte> output, int index)
    {
        var json = Begin(output);
        json.WriteStartArray("tool_calls"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, index);
        return json;
    }

    private void EndToolCall()
    {
        var json = _json!;
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        End(null);
    }

    private void End(ReadOnlySpan<byte> finishReason)
    {
        var json = _json!;
        json.WriteEndObject();
        if (finishReason.IsEmpty)
        {
            json.WriteNull("finish_reason"u8);
        }
        else
        {
            json.WriteString("finish_reason"u8, finishReason);
        }

        json.WriteEndObject();
        json.WriteEndArray();
        if (_nullUsage)
        {
            json.WriteNull("usage"u8);
        }

        json.WriteEndObject();
        Flush();
    }

    private void Flush()
    {
        _json!.Flush();
        _output!.Write("\n\n"u8);
    }

    public void Dispose() => _json?.Dispose();
}
