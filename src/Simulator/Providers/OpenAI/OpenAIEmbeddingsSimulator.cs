using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;
using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Answers embeddings requests the way OpenAI's <c>POST /v1/embeddings</c> does: one vector per input, of unit length,
/// as JSON numbers or (<c>encoding_format: base64</c>, what OpenAI's Python and JS SDKs ask for) little-endian float32
/// bytes in base64, with the prompt tokens as usage. Vectors are deterministic: the same text gives the same vector, and
/// a shortened one (<c>dimensions</c>) is the full one cut and scaled back to unit length, as text-embedding-3's are.
/// The shared fixtures hold no recorded embeddings traffic, so the body follows OpenAI's API reference, written compact.
/// </summary>
internal sealed class OpenAIEmbeddingsSimulator(HoldGates gates) : IProviderSimulator
{
    /// <summary>The vector length of models named like text-embedding-3-large; every other model's is 1536.</summary>
    private const int LargeDimensions = 3072;

    private const int SmallDimensions = 1536;

    // OpenAI's answer to an input it cannot embed (an empty string among them).
    private static readonly ReadOnlyMemory<byte> InvalidInput = OpenAIErrors.InvalidField("input");

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public ReadOnlyMemory<byte> MidstreamErrorEvent => OpenAIErrors.MidstreamEvent;

    public Task WriteErrorAsync(HttpContext context, int statusCode) => OpenAIErrors.WriteAsync(context, statusCode);

    public Task WriteContextLengthErrorAsync(HttpContext context) =>
        JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.EmbeddingsContextLengthExceeded);

    public async Task GenerateAsync(HttpContext context, ReadOnlySequence<byte> body, RequestControl control, string? routeModel)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            await JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.InvalidJson);
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            var model = routeModel
                ?? (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null);
            if (string.IsNullOrEmpty(model))
            {
                await JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.MissingModel);
                return;
            }

            if (!TryReadInputs(root, out var inputs))
            {
                await JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, InvalidInput);
                return;
            }

            var base64 = false;
            if (root.TryGetProperty("encoding_format", out var format) && format.ValueKind != JsonValueKind.Null)
            {
                base64 = format.ValueKind == JsonValueKind.String && format.ValueEquals("base64"u8);
                if (!base64 && !(format.ValueKind == JsonValueKind.String && format.ValueEquals("float"u8)))
                {
                    await JsonResponse.WriteAsync(
                        context,
                        StatusCodes.Status400BadRequest,
                        Error($"Invalid value: '{format}'. Supported values are: 'float' and 'base64'.", "encoding_format", "invalid_value"));
                    return;
                }
            }

            var native = model.Contains("large", StringComparison.OrdinalIgnoreCase) ? LargeDimensions : SmallDimensions;
            var dimensions = native;
            if (root.TryGetProperty("dimensions", out var requested) && requested.ValueKind != JsonValueKind.Null)
            {
                if (!requested.TryGetInt32(out dimensions) || dimensions < 1 || dimensions > native)
                {
                    await JsonResponse.WriteAsync(
                        context,
                        StatusCodes.Status400BadRequest,
                        Error($"Invalid 'dimensions': expected an integer from 1 to {native}, but got {requested.GetRawText()} instead.", "dimensions", "invalid_value"));
                    return;
                }
            }

            if (control.Faults is { } faults)
            {
                if (!await faults.ContinueBeforeBodyAsync(context, gates))
                {
                    return;
                }

                if (faults.MidstreamErrorAfter is not null)
                {
                    await WriteErrorAsync(context, StatusCodes.Status500InternalServerError);
                    return;
                }
            }

            await Pacer.Start(control.Generation.TimeToFirstTokenMs, 0).WaitForChunkAsync(0, context.RequestAborted);
            var output = new ArrayBufferWriter<byte>(256 + (inputs.Count * dimensions * (base64 ? 6 : 12)));
            Write(output, model, inputs, native, dimensions, base64);
            await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, output.WrittenMemory);
        }
    }

    /// <summary>The inputs, each as the bytes its vector is seeded from and its token count; false when OpenAI would refuse them.</summary>
    private static bool TryReadInputs(JsonElement root, out List<(byte[] Seed, int Tokens)> inputs)
    {
        inputs = [];
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("input", out var input))
        {
            return false;
        }

        if (input.ValueKind == JsonValueKind.String)
        {
            return TryAddText(input, inputs);
        }

        if (input.ValueKind != JsonValueKind.Array || input.GetArrayLength() == 0)
        {
            return false;
        }

        var first = input[0].ValueKind;
        if (first == JsonValueKind.Number)
        {
            // One input given as token ids.
            return TryAddTokens(input, inputs);
        }

        foreach (var item in input.EnumerateArray())
        {
            if (item.ValueKind != first || !(first == JsonValueKind.String ? TryAddText(item, inputs) : first == JsonValueKind.Array && TryAddTokens(item, inputs)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryAddText(JsonElement text, List<(byte[] Seed, int Tokens)> inputs)
    {
        var bytes = Encoding.UTF8.GetBytes(text.GetString()!);
        if (bytes.Length == 0)
        {
            return false;
        }

        // The chat simulator's stand-in for a tokenizer: about four bytes per token.
        inputs.Add((bytes, Math.Max(1, bytes.Length / 4)));
        return true;
    }

    private static bool TryAddTokens(JsonElement tokens, List<(byte[] Seed, int Tokens)> inputs)
    {
        if (tokens.GetArrayLength() == 0 || tokens.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.Number || !t.TryGetInt32(out var id) || id < 0))
        {
            return false;
        }

        inputs.Add((Encoding.UTF8.GetBytes(tokens.GetRawText()), tokens.GetArrayLength()));
        return true;
    }

    private static void Write(IBufferWriter<byte> output, string model, List<(byte[] Seed, int Tokens)> inputs, int native, int dimensions, bool base64)
    {
        using var json = new Utf8JsonWriter(output, WriterOptions);
        json.WriteStartObject();
        json.WriteString("object", "list");
        json.WriteStartArray("data");
        var vector = new float[native];
        var bytes = base64 ? new byte[dimensions * sizeof(float)] : null;
        var tokens = 0;
        for (var i = 0; i < inputs.Count; i++)
        {
            Fill(vector, inputs[i].Seed, dimensions);
            tokens += inputs[i].Tokens;
            json.WriteStartObject();
            json.WriteString("object", "embedding");
            json.WriteNumber("index", i);
            if (bytes is not null)
            {
                for (var d = 0; d < dimensions; d++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(d * sizeof(float)), vector[d]);
                }

                json.WriteBase64String("embedding", bytes);
            }
            else
            {
                json.WriteStartArray("embedding");
                for (var d = 0; d < dimensions; d++)
                {
                    json.WriteNumberValue(vector[d]);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteString("model", model);
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", tokens);
        json.WriteNumber("total_tokens", tokens);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>
    /// A unit vector from the input's bytes (FNV-1a seeding SplitMix64), computed at the model's full length, then cut to
    /// <paramref name="dimensions"/> and scaled back to unit length.
    /// </summary>
    private static void Fill(float[] vector, byte[] seed, int dimensions)
    {
        var state = 14695981039346656037UL;
        foreach (var b in seed)
        {
            state = (state ^ b) * 1099511628211UL;
        }

        for (var d = 0; d < vector.Length; d++)
        {
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            vector[d] = (float)(((z >> 11) * (1.0 / (1UL << 53) * 2)) - 1);
        }

        var norm = 0.0;
        for (var d = 0; d < dimensions; d++)
        {
            norm += (double)vector[d] * vector[d];
        }

        var scale = (float)(1 / Math.Sqrt(norm));
        for (var d = 0; d < dimensions; d++)
        {
            vector[d] *= scale;
        }
    }

    private static byte[] Error(string message, string param, string code)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteString("message", message);
            json.WriteString("type", "invalid_request_error");
            json.WriteString("param", param);
            json.WriteString("code", code);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
