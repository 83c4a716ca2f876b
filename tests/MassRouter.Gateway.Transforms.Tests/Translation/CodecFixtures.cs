using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Tests.Bedrock;

namespace MassRouter.Gateway.Transforms.Tests.Translation;

/// <summary>
/// Replays every recorded fixture of a provider through its codec and compares with the expected OpenAI output.
/// Each fixture is classified by its name; one that fits no class fails, so no recording is silently left out.
/// </summary>
internal static partial class CodecFixtures
{
    public const long Created = 1700000000;

    public static TheoryData<string> Files(string directory, params string[] prefixes)
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Fixtures.PathOf(directory)).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            if (prefixes.Any(p => file!.StartsWith(p, StringComparison.Ordinal)))
            {
                data.Add(Path.Combine(directory, file!));
            }
        }

        return data;
    }

    public static TranslationContext Context(bool includeUsage = true) => new("requested-model", Created, includeUsage);

    /// <summary>Translates one fixture by its kind and checks the result against Expected/.</summary>
    public static void Check(IChatCodec codec, string fixture, bool namedEvents, bool doneSentinel)
    {
        var name = Path.GetFileName(fixture);
        var stem = Stem(name);
        var kind = codec.Kind;
        var path = Fixtures.PathOf(fixture);
        if (name.EndsWith(".request.json", StringComparison.Ordinal))
        {
            CheckRequest(codec, path, stem);
        }
        else if (ErrorStatus().Match(name) is { Success: true } match)
        {
            using var output = new PooledBufferWriter();
            var status = codec.TranslateError(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), File.ReadAllBytes(path), output);
            Assert.True(OpenAIErrorWriter.IsOpenAIError(output.WrittenSpan));
            var result = new JsonObject { ["status"] = status, ["body"] = JsonNode.Parse(output.WrittenSpan) };
            Expected.Json($"{kind}/{stem}.error.json", result.ToJsonString());
        }
        else if (name.EndsWith(".sse", StringComparison.Ordinal) || name.EndsWith(".chunks.txt", StringComparison.Ordinal) || name.EndsWith(EventStreamFrames.Extension, StringComparison.Ordinal))
        {
            var input = codec.StreamMediaType == SseReader.MediaType ? FixtureStream.Load(path, namedEvents, doneSentinel) : EventStreamFrames.Load(path);
            using var translator = codec.CreateStreamTranslator(Context());
            var output = StreamRunner.Run(translator, input, reader: codec.CreateEventReader());
            AssertWellFormedStream(output);
            Expected.Text($"{kind}/{stem}.sse", GeneratedIds(codec, output));
        }
        else if (name.EndsWith(".json", StringComparison.Ordinal))
        {
            using var output = new PooledBufferWriter();
            Assert.True(codec.TryTranslateResponse(File.ReadAllBytes(path), Context(), output, out var usage), "response not translated");
            Assert.True(usage.IsKnown);
            Expected.Json($"{kind}/{stem}.json", GeneratedIds(codec, Encoding.UTF8.GetString(output.WrittenSpan)));
        }
        else
        {
            Assert.Fail($"Fixture {fixture} fits no translation test; classify it.");
        }
    }

    /// <summary>
    /// Translates the OpenAI-format equivalent of a recorded provider request (Requests/kind/stem.openai.json) and
    /// compares it with the recording. Fields the OpenAI API cannot express are listed, with the reason, in
    /// Requests/kind/stem.differences.json and left out of the comparison.
    /// </summary>
    private static void CheckRequest(IChatCodec codec, string recordedPath, string stem)
    {
        var requests = Path.Combine(Expected.ProjectDir(), "Requests", codec.Kind);
        var notChat = Path.Combine(requests, stem + ".not-chat.txt");
        if (File.Exists(notChat))
        {
            // A recording of another endpoint (e.g. embeddings) kept for its error response: nothing to translate.
            Assert.False(string.IsNullOrWhiteSpace(File.ReadAllText(notChat)));
            Assert.Null(JsonNode.Parse(File.ReadAllText(recordedPath))!["messages"]);
            return;
        }

        var openAIPath = Path.Combine(requests, stem + ".openai.json");
        Assert.True(File.Exists(openAIPath), $"No OpenAI-format request {openAIPath} for recorded request {stem}.");
        var body = File.ReadAllBytes(openAIPath);
        Assert.True(ChatRequestParser.TryParse(body, out var info, out var parseError), parseError.Message);
        using var output = new PooledBufferWriter();
        var recorded = JsonNode.Parse(File.ReadAllText(recordedPath))!;
        var upstreamModel = recorded["model"]?.GetValue<string>() ?? info.Model;
        Assert.True(codec.TryWriteRequest(body, info, upstreamModel, output, out var error), error.Message);
        var actual = JsonNode.Parse(output.WrittenSpan)!;

        var (expected, got) = MassRouter.Tests.RecordedRequests.Comparable(
            recorded, actual, Path.Combine(requests, stem + ".differences.json"), camelCase: codec.Kind == ProviderKinds.Gemini);
        Assert.True(JsonNode.DeepEquals(expected, got), $"{stem}: translated request differs from the recording.\nrecorded   {expected.ToJsonString()}\ntranslated {got.ToJsonString()}");
    }

    /// <summary>Every event is <c>data: </c> + JSON (or [DONE]) and the stream ends with exactly one [DONE].</summary>
    public static void AssertWellFormedStream(string output)
    {
        var events = output.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(events);
        Assert.Equal("data: [DONE]", events[^1]);
        foreach (var e in events[..^1])
        {
            Assert.StartsWith("data: ", e, StringComparison.Ordinal);
            Assert.NotNull(JsonNode.Parse(e["data: ".Length..]));
        }
    }

    /// <summary>
    /// Output with the completion ids a codec generates (Bedrock's answers have none) replaced by a fixed one, so it can
    /// be compared with a stored expectation.
    /// </summary>
    public static string GeneratedIds(IChatCodec codec, string output) =>
        codec.Kind == ProviderKinds.Bedrock ? GeneratedId().Replace(output, "chatcmpl-generated") : output;

    private static string Stem(string name)
    {
        foreach (var suffix in new[] { ".request.json", ".response.json", ".chunks.txt", ".sse", EventStreamFrames.Extension, ".json" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return name[..^suffix.Length];
            }
        }

        return name;
    }

    [GeneratedRegex("chatcmpl-[0-9a-f]{32}")]
    private static partial Regex GeneratedId();

    [GeneratedRegex(@"error-(\d{3})")]
    private static partial Regex ErrorStatus();
}
