using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Gemini;

/// <summary>
/// Gemini <c>streamGenerateContent?alt=sse</c> → OpenAI chunks. Every event is a whole GenerateContentResponse:
/// text parts become content (or reasoning_content when <c>thought</c> is true), function calls become tool calls
/// with generated ids (Gemini's developer API sends none). Vertex's streamed function-call arguments
/// (<c>partialArgs</c>) are re-assembled into JSON text fragments. Gemini has no end-of-stream event: the stream is
/// complete when a finish reason was seen and the body ends.
/// </summary>
internal sealed class GeminiStreamTranslator(in TranslationContext context) : ChatStreamTranslator(context)
{
    private byte[] _responseId = [];
    private byte[]? _scratch;
    private byte[] _fragment = new byte[256];
    private byte[] _id = new byte[128];
    private Range[] _parts = new Range[8];
    private byte[] _usage = new byte[512];
    private int _usageLength;
    private bool _usageDirty;
    private int _toolCount;
    private bool _finishSent;

    // Vertex partialArgs state: the call being streamed, whether '{' was written, and an open string value's path.
    private int _streamingCall = -1;
    private bool _argsOpened;
    private byte[] _openPath = [];
    private bool _stringOpen;

    protected override bool OnEvent(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        // One walk over the event: the parts of the first candidate are located (not copied) on the way, because
        // responseId and modelVersion, needed for the first chunk, come after the candidates.
        ReadOnlySpan<byte> usage = default, responseId = default, model = default, feedback = default;
        Range reason = default;
        var partCount = 0;
        var hasCandidate = false;
        var reader = new Utf8JsonReader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("The event is not a JSON object.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("candidates"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    ReadCandidates(ref reader, ref partCount, ref reason, ref hasCandidate);
                }
                else
                {
                    reader.Skip();
                }

                continue;
            }

            var isUsage = reader.ValueTextEquals("usageMetadata"u8);
            var isId = !isUsage && reader.ValueTextEquals("responseId"u8);
            var isModel = !isUsage && !isId && reader.ValueTextEquals("modelVersion"u8);
            var isFeedback = reader.ValueTextEquals("promptFeedback"u8);
            var isError = reader.ValueTextEquals("error"u8);
            reader.Read();
            var value = JsonOutput.RawValue(data, ref reader);
            if (isUsage)
            {
                usage = value;
            }
            else if (isId)
            {
                responseId = value;
            }
            else if (isModel)
            {
                model = value;
            }
            else if (isFeedback)
            {
                feedback = value;
            }
            else if (isError)
            {
                FailWith(value, output);
                return false;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw new JsonException("Malformed JSON object.");
        }

        if (!Chunks.Started)
        {
            if (JsonProbe.IsStringToken(responseId))
            {
                var unescaped = JsonProbe.Unescape(responseId, ref _scratch);
                _responseId = unescaped.ToArray();
                Chunks.SetId(unescaped);
            }

            if (JsonProbe.IsStringToken(model))
            {
                Chunks.SetModel(JsonProbe.Unescape(model, ref _scratch));
            }

            Chunks.Role(output);
        }

        // Gemini repeats cumulative usage on every chunk: keep the latest bytes, parse them once at the end. Vertex
        // sends usage without counts on intermediate chunks; those do not replace real figures.
        if (!usage.IsEmpty && (_usageLength == 0 || usage.IndexOf("TokenCount"u8) >= 0))
        {
            if (_usage.Length < usage.Length)
            {
                _usage = new byte[Math.Max(usage.Length, _usage.Length * 2)];
            }

            usage.CopyTo(_usage);
            _usageLength = usage.Length;
            _usageDirty = true;
        }

        var wrote = false;
        for (var i = 0; i < partCount; i++)
        {
            wrote |= OnPart(data[_parts[i]], output);
        }

        if (hasCandidate && !reason.Equals(default(Range)) && !_finishSent)
        {
            Chunks.Finish(output, GeminiFinishReasons.Map(data[reason][1..^1], _toolCount > 0));
            _finishSent = true;
        }
        else if (!hasCandidate && JsonProbe.TryGet(feedback, "blockReason"u8, out _) && !_finishSent)
        {
            // The prompt itself was blocked: no candidates at all.
            Chunks.Finish(output, "content_filter"u8);
            _finishSent = true;
        }

        return wrote;
    }

    /// <summary>Locates the parts and finish reason of the first candidate; the reader ends on the array's end.</summary>
    private void ReadCandidates(ref Utf8JsonReader reader, ref int partCount, ref Range reason, ref bool hasCandidate)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (hasCandidate || reader.TokenType != JsonTokenType.StartObject)
            {
                // Only one choice is translated (n>1 is refused at the request).
                reader.Skip();
                continue;
            }

            hasCandidate = true;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isContent = reader.ValueTextEquals("content"u8);
                var isReason = !isContent && reader.ValueTextEquals("finishReason"u8);
                reader.Read();
                if (isContent && reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadContent(ref reader, ref partCount);
                }
                else if (isReason && reader.TokenType == JsonTokenType.String)
                {
                    reason = ((int)reader.TokenStartIndex)..((int)reader.TokenStartIndex + reader.ValueSpan.Length + 2);
                }
                else
                {
                    reader.Skip();
                }
            }
        }
    }

    /// <summary>Records where each part of the content object lies in the event.</summary>
    private void ReadContent(ref Utf8JsonReader reader, ref int partCount)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isParts = reader.ValueTextEquals("parts"u8);
            reader.Read();
            if (!isParts || reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                if (partCount == _parts.Length)
                {
                    Array.Resize(ref _parts, _parts.Length * 2);
                }

                _parts[partCount++] = start..(int)reader.BytesConsumed;
            }
        }
    }

    protected override void ResolveUsage()
    {
        if (_usageDirty)
        {
            CurrentUsage = GeminiUsage.Read(_usage.AsSpan(0, _usageLength));
            _usageDirty = false;
        }
    }

    protected override void OnUpstreamEnd(IBufferWriter<byte> output)
    {
        if (_finishSent)
        {
            End(output);
        }
        else
        {
            base.OnUpstreamEnd(output);
        }
    }

    private bool OnPart(ReadOnlySpan<byte> part, IBufferWriter<byte> output)
    {
        ReadOnlySpan<byte> text = default, call = default, signature = default;
        var thought = false;
        var properties = new JsonProperties(part);
        while (properties.Next(out var name, out var value))
        {
            if (name.SequenceEqual("functionCall"u8))
            {
                call = value;
            }
            else if (name.SequenceEqual("text"u8))
            {
                text = value;
            }
            else if (name.SequenceEqual("thought"u8))
            {
                thought = value.SequenceEqual("true"u8);
            }
            else if (name.SequenceEqual("thoughtSignature"u8))
            {
                signature = value;
            }
        }

        if (!call.IsEmpty)
        {
            return OnFunctionCall(call, signature, output);
        }

        if (!JsonProbe.IsStringToken(text) || JsonOutput.IsEmptyString(text))
        {
            return false;
        }

        Chunks.Text(output, thought ? "reasoning_content"u8 : "content"u8, text);
        return true;
    }

    private bool OnFunctionCall(ReadOnlySpan<byte> call, ReadOnlySpan<byte> signature, IBufferWriter<byte> output)
    {
        var hasName = JsonProbe.TryGet(call, "name"u8, out var name);
        if (JsonProbe.TryGet(call, "partialArgs"u8, out var partialArgs))
        {
            return OnPartialArgs(partialArgs, output);
        }

        if (!hasName)
        {
            // An empty functionCall closes a call whose arguments were streamed.
            CloseStreamedCall(output);
            return false;
        }

        CloseStreamedCall(output);
        var index = _toolCount++;
        var id = CallId(call, index, signature);
        if (JsonProbe.TryGet(call, "willContinue"u8, out var more) && more.SequenceEqual("true"u8))
        {
            Chunks.ToolCallStartWithId(output, index, id, name);
            _streamingCall = index;
            _argsOpened = false;
            _stringOpen = false;
            return true;
        }

        Chunks.ToolCallWithJsonArguments(output, index, id, name, JsonProbe.TryGet(call, "args"u8, out var args) ? args : "{}"u8);
        return true;
    }

    private ReadOnlySpan<byte> CallId(ReadOnlySpan<byte> call, int index, ReadOnlySpan<byte> signature)
    {
        var length = 0;
        if (JsonProbe.TryGet(call, "id"u8, out var given) && JsonProbe.IsStringToken(given))
        {
            AppendId(ref length, JsonProbe.Unescape(given, ref _scratch));
        }
        else
        {
            // call_<responseId>_<n>: unique across turns, stable for one response.
            AppendId(ref length, "call_"u8);
            AppendId(ref length, _responseId);
            AppendId(ref length, "_"u8);
            Span<byte> number = stackalloc byte[11];
            Utf8Formatter.TryFormat(index, number, out var written);
            AppendId(ref length, number[..written]);
        }

        if (JsonProbe.IsStringToken(signature) && !JsonOutput.IsEmptyString(signature))
        {
            AppendId(ref length, GeminiThoughtSignatures.SeparatorUtf8);
            AppendId(ref length, JsonProbe.Unescape(signature, ref _scratch));
        }

        return _id.AsSpan(0, length);
    }

    private void AppendId(ref int length, ReadOnlySpan<byte> bytes)
    {
        if (length + bytes.Length > _id.Length)
        {
            Array.Resize(ref _id, Math.Max(length + bytes.Length, _id.Length * 2));
        }

        bytes.CopyTo(_id.AsSpan(length));
        length += bytes.Length;
    }

    private bool OnPartialArgs(ReadOnlySpan<byte> partialArgs, IBufferWriter<byte> output)
    {
        if (_streamingCall < 0)
        {
            return false;
        }

        var length = 0;
        var position = 0;
        while (JsonProbe.TryNextItem(partialArgs, ref position, out var arg))
        {
            if (!JsonProbe.TryGet(arg, "jsonPath"u8, out var pathRaw) || !JsonProbe.IsStringToken(pathRaw))
            {
                continue;
            }

            var path = pathRaw[1..^1];
            if (!path.StartsWith("$."u8) || path[2..].IndexOfAny((byte)'.', (byte)'[') >= 0)
            {
                throw new System.Text.Json.JsonException("Nested partial argument paths are not supported: " + Encoding.UTF8.GetString(path));
            }

            var continues = JsonProbe.TryGet(arg, "willContinue"u8, out var more) && more.SequenceEqual("true"u8);
            var samePath = _stringOpen && path.SequenceEqual(_openPath);
            if (!samePath)
            {
                if (_stringOpen)
                {
                    Append(ref length, "\""u8);
                    _stringOpen = false;
                }

                Append(ref length, _argsOpened ? ",\""u8 : "{\""u8);
                _argsOpened = true;
                Append(ref length, path[2..]);
                Append(ref length, "\":"u8);
            }

            if (JsonProbe.TryGet(arg, "stringValue"u8, out var text) && JsonProbe.IsStringToken(text))
            {
                if (!samePath)
                {
                    Append(ref length, "\""u8);
                }

                // The raw token's inside is already valid JSON string content.
                Append(ref length, text[1..^1]);
                _stringOpen = continues;
                _openPath = continues ? path.ToArray() : [];
                if (!continues)
                {
                    Append(ref length, "\""u8);
                }
            }
            else if (JsonProbe.TryGet(arg, "numberValue"u8, out var value) || JsonProbe.TryGet(arg, "boolValue"u8, out value))
            {
                Append(ref length, value);
            }
            else if (JsonProbe.TryGet(arg, "nullValue"u8, out _))
            {
                Append(ref length, "null"u8);
            }
        }

        if (length == 0)
        {
            return false;
        }

        Chunks.ToolCallArgumentsText(output, _streamingCall, _fragment.AsSpan(0, length));
        return true;
    }

    private void CloseStreamedCall(IBufferWriter<byte> output)
    {
        if (_streamingCall < 0)
        {
            return;
        }

        var length = 0;
        if (_stringOpen)
        {
            Append(ref length, "\""u8);
        }

        Append(ref length, _argsOpened ? "}"u8 : "{}"u8);
        Chunks.ToolCallArgumentsText(output, _streamingCall, _fragment.AsSpan(0, length));
        _streamingCall = -1;
        _stringOpen = false;
    }

    private void Append(ref int length, ReadOnlySpan<byte> bytes)
    {
        if (length + bytes.Length > _fragment.Length)
        {
            Array.Resize(ref _fragment, Math.Max(length + bytes.Length, _fragment.Length * 2));
        }

        bytes.CopyTo(_fragment.AsSpan(length));
        length += bytes.Length;
    }

    private void FailWith(ReadOnlySpan<byte> error, IBufferWriter<byte> output)
    {
        var message = "The provider reported an error mid-stream.";
        string? code = "upstream_error";
        if (JsonProbe.TryGet(error, "message"u8, out var m) && JsonProbe.IsStringToken(m))
        {
            message = Encoding.UTF8.GetString(JsonProbe.Unescape(m, ref _scratch));
        }

        if (JsonProbe.TryGet(error, "status"u8, out var s) && JsonProbe.IsStringToken(s))
        {
            code = GeminiErrors.CodeFor(Encoding.UTF8.GetString(s[1..^1])) ?? code;
        }

        Fail(output, message, code, "server_error", "provider error event: " + message);
    }
}
