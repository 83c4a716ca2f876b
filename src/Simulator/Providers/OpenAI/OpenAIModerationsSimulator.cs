using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;
using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Answers <c>POST /v1/moderations</c> as OpenAI's API reference documents it: one result per input string, one for a
/// whole array of text and image parts, each with every category as a boolean, a score and the input types it applies to.
/// Scores are small and deterministic (a hash of the input and the category); an input containing <c>FLAGME</c> is flagged
/// for violence, so tests can ask for a flagged result.
/// </summary>
internal sealed class OpenAIModerationsSimulator(HoldGates gates) : IProviderSimulator
{
    public const string DefaultModel = "omni-moderation-latest";

    /// <summary>The word that makes a text flagged for <c>violence</c>.</summary>
    public const string FlaggedWord = "FLAGME";

    // OpenAI's categories in its documented order; the image ones are those the omni models also score images for.
    private static readonly (JsonEncodedText Name, bool Image)[] Categories =
    [
        (JsonEncodedText.Encode("harassment"), false),
        (JsonEncodedText.Encode("harassment/threatening"), false),
        (JsonEncodedText.Encode("hate"), false),
        (JsonEncodedText.Encode("hate/threatening"), false),
        (JsonEncodedText.Encode("illicit"), false),
        (JsonEncodedText.Encode("illicit/violent"), false),
        (JsonEncodedText.Encode("self-harm"), true),
        (JsonEncodedText.Encode("self-harm/intent"), true),
        (JsonEncodedText.Encode("self-harm/instructions"), true),
        (JsonEncodedText.Encode("sexual"), true),
        (JsonEncodedText.Encode("sexual/minors"), false),
        (JsonEncodedText.Encode("violence"), true),
        (JsonEncodedText.Encode("violence/graphic"), true),
    ];

    private const int Violence = 11;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public ReadOnlyMemory<byte> MidstreamErrorEvent => OpenAIErrors.MidstreamEvent;

    public Task WriteErrorAsync(HttpContext context, int statusCode) => OpenAIErrors.WriteAsync(context, statusCode);

    /// <summary>No context window to exceed here: a plain 400.</summary>
    public Task WriteContextLengthErrorAsync(HttpContext context) => WriteErrorAsync(context, StatusCodes.Status400BadRequest);

    public async Task GenerateAsync(HttpContext context, ReadOnlySequence<byte> body, RequestControl control, string? routeModel)
    {
        if (RequestFields.ReadObject(body, Read) is not { } request)
        {
            await JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.InvalidJson);
            return;
        }

        if (request.Error is { } error)
        {
            await JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        if (!await SimulatedStream.BeforeCompleteAnswerAsync(context, control.Generation, 1, control.Faults, gates, WriteErrorAsync))
        {
            return;
        }

        var output = new ArrayBufferWriter<byte>(1024 * request.Inputs.Count);
        Write(output, routeModel ?? request.Model, request.Inputs);
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, output.WrittenMemory);
    }

    private static ModerationRequest Read(JsonElement root)
    {
        var model = DefaultModel;
        if (root.TryGetProperty("model", out var m) && m.ValueKind != JsonValueKind.Null)
        {
            if (m.ValueKind != JsonValueKind.String)
            {
                return new(OpenAIErrors.InvalidType("model", "a string", Kind(m)));
            }

            model = m.GetString()!;
        }

        if (!root.TryGetProperty("input", out var input) || input.ValueKind == JsonValueKind.Null)
        {
            return new(OpenAIErrors.MissingParameter("input"));
        }

        if (input.ValueKind == JsonValueKind.String)
        {
            return new(model, [new ModerationInput(input.GetString()!, Image: null)]);
        }

        if (input.ValueKind != JsonValueKind.Array)
        {
            return new(OpenAIErrors.InvalidType("input", "a string or array", Kind(input)));
        }

        if (input.GetArrayLength() == 0)
        {
            return new(OpenAIErrors.EmptyArray("input"));
        }

        return input[0].ValueKind == JsonValueKind.Object ? ReadParts(model, input) : ReadTexts(model, input);
    }

    /// <summary>An array of strings: one result each.</summary>
    private static ModerationRequest ReadTexts(string model, JsonElement input)
    {
        var inputs = new List<ModerationInput>(input.GetArrayLength());
        var i = 0;
        foreach (var item in input.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                return new(OpenAIErrors.InvalidType($"input[{i}]", "a string", Kind(item)));
            }

            inputs.Add(new ModerationInput(item.GetString()!, Image: null));
            i++;
        }

        return new(model, inputs);
    }

    /// <summary>An array of text and image parts: one result for all of them, as OpenAI gives.</summary>
    private static ModerationRequest ReadParts(string model, JsonElement input)
    {
        var text = new StringBuilder();
        string? image = null;
        var i = 0;
        foreach (var part in input.EnumerateArray())
        {
            var param = $"input[{i++}]";
            if (part.ValueKind != JsonValueKind.Object)
            {
                return new(OpenAIErrors.InvalidType(param, "an object", Kind(part)));
            }

            var type = RequestFields.String(part, "type");
            if (type == "text" && RequestFields.String(part, "text") is { } partText)
            {
                text.Append(partText);
            }
            else if (type == "image_url" && part.TryGetProperty("image_url", out var url) && url.ValueKind == JsonValueKind.Object
                && RequestFields.String(url, "url") is { } partUrl)
            {
                image += partUrl;
            }
            else if (type is "text" or "image_url")
            {
                return new(OpenAIErrors.MissingParameter(type == "text" ? $"{param}.text" : $"{param}.image_url.url"));
            }
            else
            {
                return new(OpenAIErrors.InvalidValue($"{param}.type", type ?? "", "'text' and 'image_url'"));
            }
        }

        return new(model, [new ModerationInput(text.ToString(), image)]);
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "an integer" : "a decimal",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        _ => "an object",
    };

    private static void Write(IBufferWriter<byte> output, string model, List<ModerationInput> inputs)
    {
        using var json = new Utf8JsonWriter(output, WriterOptions);
        Span<double> scores = stackalloc double[Categories.Length];
        json.WriteStartObject();
        json.WriteString("id"u8, "modr-" + Guid.NewGuid().ToString("N"));
        json.WriteString("model"u8, model);
        json.WriteStartArray("results"u8);
        foreach (var input in inputs)
        {
            Score(input, scores);
            var flagged = false;
            foreach (var score in scores)
            {
                flagged |= score >= 0.5;
            }

            json.WriteStartObject();
            json.WriteBoolean("flagged"u8, flagged);
            json.WriteStartObject("categories"u8);
            for (var c = 0; c < Categories.Length; c++)
            {
                json.WriteBoolean(Categories[c].Name, scores[c] >= 0.5);
            }

            json.WriteEndObject();
            json.WriteStartObject("category_scores"u8);
            for (var c = 0; c < Categories.Length; c++)
            {
                json.WriteNumber(Categories[c].Name, scores[c]);
            }

            json.WriteEndObject();
            json.WriteStartObject("category_applied_input_types"u8);
            for (var c = 0; c < Categories.Length; c++)
            {
                json.WriteStartArray(Categories[c].Name);
                if (input.Text.Length > 0 || input.Image is null)
                {
                    json.WriteStringValue("text"u8);
                }

                if (input.Image is not null && Categories[c].Image)
                {
                    json.WriteStringValue("image"u8);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>A score below 0.01 per category from an FNV-1a hash of the input; violence near 1 for the flagged word.</summary>
    private static void Score(ModerationInput input, Span<double> scores)
    {
        var seed = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(input.Text + input.Image))
        {
            seed = (seed ^ b) * 1099511628211UL;
        }

        for (var c = 0; c < scores.Length; c++)
        {
            var hash = (seed ^ (ulong)c) * 0x9E3779B97F4A7C15UL;
            scores[c] = Math.Round((hash >> 11) * (1.0 / (1UL << 53)) * 0.01, 6);
        }

        if (input.Text.Contains(FlaggedWord, StringComparison.Ordinal))
        {
            scores[Violence] = 0.9876;
        }
    }

    /// <summary>One moderated input: its text and the URLs of its images (null when it has none).</summary>
    private sealed record ModerationInput(string Text, string? Image);

    private sealed record ModerationRequest(string Model, List<ModerationInput> Inputs, ReadOnlyMemory<byte>? Error = null)
    {
        public ModerationRequest(ReadOnlyMemory<byte> error)
            : this("", [], error)
        {
        }
    }
}
