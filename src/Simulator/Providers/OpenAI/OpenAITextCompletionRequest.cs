using System.Buffers;
using System.Text.Json;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// The fields of a legacy completions request (<c>POST /v1/completions</c>) the simulator acts on: model, stream, usage,
/// the token limit and <c>n</c> as for chat, the <c>prompt</c> (its raw JSON, null when absent), how many prompts it holds
/// (0 when its shape is one OpenAI refuses), their tokens, and <c>echo</c>. <c>suffix</c>, <c>best_of</c>,
/// <c>logprobs</c>, <c>stop</c> and the sampling fields are accepted and ignored.
/// </summary>
internal readonly record struct OpenAITextCompletionRequest(
    string? Model,
    bool Stream,
    bool IncludeUsage,
    int? MaxTokens,
    int? N,
    bool Echo,
    ReadOnlySequence<byte>? Prompt,
    int Prompts,
    int PromptTokens)
{
    /// <summary>Reads the body in one pass without allocations (but the model's string); false when it is not a JSON object.</summary>
    public static bool TryParse(ReadOnlySequence<byte> body, out OpenAITextCompletionRequest request)
    {
        var prompt = new PromptFields(body);
        if (!OpenAIGenerationFields.TryParse(body, maxCompletionTokens: false, ref prompt, out var fields))
        {
            request = default;
            return false;
        }

        request = new OpenAITextCompletionRequest(
            fields.Model, fields.Stream, fields.IncludeUsage, fields.MaxTokens, fields.N, prompt.Echo, prompt.Prompt, prompt.Prompts, prompt.Tokens);
        return true;
    }

    /// <summary>
    /// What <c>echo</c> puts before each prompt's completions: a text prompt as it was sent (the content of a JSON string,
    /// escapes and all, so it is written back into one as it is), a token-id prompt as the simulator's vocabulary words
    /// for its ids, a null or empty-array prompt as nothing. Read from the prompt's JSON a second time, only when asked.
    /// </summary>
    public byte[][] ReadEchoes()
    {
        var echoes = new byte[Prompts][];
        var reader = new Utf8JsonReader(Prompt.GetValueOrDefault());
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            echoes[0] = reader.TokenType == JsonTokenType.String ? RawText(ref reader) : [];
            return echoes;
        }

        reader.Read();
        if (reader.TokenType is JsonTokenType.EndArray or JsonTokenType.Number)
        {
            echoes[0] = Words(ref reader);
            return echoes;
        }

        for (var i = 0; reader.TokenType != JsonTokenType.EndArray; i++, reader.Read())
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                echoes[i] = RawText(ref reader);
            }
            else
            {
                reader.Read();
                echoes[i] = Words(ref reader);
            }
        }

        return echoes;
    }

    /// <summary>
    /// The prompts of a <c>prompt</c> value and their tokens: a string (null and an empty array read as one empty prompt,
    /// as OpenAI takes them), an array of strings, an array of token ids (one prompt) or an array of token-id arrays.
    /// 0 for any other shape. <paramref name="reader"/> is a copy on the value's first token.
    /// </summary>
    private static int CountPrompts(Utf8JsonReader reader, out int tokens)
    {
        tokens = 0;
        if (reader.TokenType is JsonTokenType.Null or JsonTokenType.String)
        {
            tokens = reader.TokenType == JsonTokenType.Null ? 1 : TextTokens(ref reader);
            return 1;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return 0;
        }

        reader.Read();
        var first = reader.TokenType;
        if (first is JsonTokenType.EndArray or JsonTokenType.Number)
        {
            tokens = first == JsonTokenType.EndArray ? 1 : CountTokenIds(ref reader);
            return tokens > 0 ? 1 : 0;
        }

        var prompts = 0;
        for (; reader.TokenType != JsonTokenType.EndArray; reader.Read(), prompts++)
        {
            var promptTokens = reader.TokenType != first ? 0
                : first == JsonTokenType.String ? TextTokens(ref reader)
                : first == JsonTokenType.StartArray && reader.Read() ? CountTokenIds(ref reader)
                : 0;
            if (promptTokens == 0)
            {
                tokens = 0;
                return 0;
            }

            tokens += promptTokens;
        }

        return prompts;
    }

    /// <summary>The chat simulator's stand-in for a tokenizer: about four bytes (of the unescaped text) per token, at least one.</summary>
    private static int TextTokens(ref Utf8JsonReader reader)
    {
        var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        if (reader.ValueIsEscaped)
        {
            var unescaped = ArrayPool<byte>.Shared.Rent(length);
            length = reader.CopyString(unescaped);
            ArrayPool<byte>.Shared.Return(unescaped);
        }

        return Math.Max(1, length / 4);
    }

    /// <summary>Token ids up to the end of their array, one token each; 0 when the array is empty or holds anything but ids.</summary>
    private static int CountTokenIds(ref Utf8JsonReader reader)
    {
        var count = 0;
        for (; reader.TokenType != JsonTokenType.EndArray; reader.Read(), count++)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var id) || id < 0)
            {
                return 0;
            }
        }

        return count;
    }

    private static byte[] RawText(ref Utf8JsonReader reader) =>
        reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();

    /// <summary>The vocabulary words of the token ids up to the end of their array.</summary>
    private static byte[] Words(ref Utf8JsonReader reader)
    {
        var words = new ArrayBufferWriter<byte>(64);
        for (; reader.TokenType != JsonTokenType.EndArray; reader.Read())
        {
            words.Write(TokenVocabulary.Get(reader.GetInt32()));
        }

        return words.WrittenSpan.ToArray();
    }

    /// <summary><c>prompt</c> (its raw JSON, how many prompts it holds and their tokens) and <c>echo</c>.</summary>
    private struct PromptFields(ReadOnlySequence<byte> body) : IOpenAIRequestFields
    {
        public bool Echo { get; private set; }

        public ReadOnlySequence<byte>? Prompt { get; private set; }

        public int Prompts { get; private set; }

        public int Tokens { get; private set; }

        public bool TryRead(ref Utf8JsonReader reader)
        {
            if (reader.ValueTextEquals("echo"u8))
            {
                reader.Read();
                Echo = reader.TokenType == JsonTokenType.True;
                return true;
            }

            if (!reader.ValueTextEquals("prompt"u8))
            {
                return false;
            }

            reader.Read();
            Prompts = CountPrompts(reader, out var tokens);
            Tokens = tokens;
            var start = reader.TokenStartIndex;
            reader.Skip();
            Prompt = body.Slice(start, reader.BytesConsumed - start);
            return true;
        }
    }
}
