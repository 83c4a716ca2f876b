using System.Text;
using CsCheck;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;

namespace MassRouter.Gateway.Transforms.Tests.Translation;

/// <summary>
/// Recordings damaged at random (cut short, or one byte replaced by JSON punctuation) must never make a codec throw:
/// responses are refused, streams end with an error event, requests get a 400.
/// </summary>
public class MalformedInputPropertyTests
{
    private static readonly byte[] Damage = Encoding.ASCII.GetBytes("{}[]\",:0a\\ \n");

    public static TheoryData<string, string> Recordings()
    {
        var data = new TheoryData<string, string>();
        foreach (var (kind, folder) in new[] { (ProviderKinds.Anthropic, "anthropic"), (ProviderKinds.Gemini, "google"), (ProviderKinds.Cohere, "cohere") })
        {
            foreach (var fixture in CodecFixtures.Files(folder, ""))
            {
                if (!fixture.EndsWith(".request.json", StringComparison.Ordinal))
                {
                    data.Add(kind, fixture);
                }
            }

            foreach (var request in Directory.GetFiles(Path.Combine(Expected.ProjectDir(), "Requests", kind), "*.openai.json"))
            {
                data.Add(kind, request);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Recordings))]
    public void DamagedRecording_NeverThrows(string kind, string fixture)
    {
        var codec = ChatCodecs.ForKind(kind)!;
        var path = Path.IsPathRooted(fixture) ? fixture : Fixtures.PathOf(fixture);
        var original = path.EndsWith(".json", StringComparison.Ordinal)
            ? File.ReadAllBytes(path)
            : FixtureStream.Load(path, namedEvents: kind != ProviderKinds.Gemini, doneSentinel: false);

        var damaged = Gen.Int[0, original.Length - 1].SelectMany(at => Gen.Bool.SelectMany(truncate => Gen.Int[0, Damage.Length - 1].Select(with =>
        {
            if (truncate)
            {
                return original[..at];
            }

            var copy = (byte[])original.Clone();
            copy[at] = Damage[with];
            return copy;
        })));

        damaged.Sample(input => Exercise(codec, path, input), iter: 100);
    }

    private static void Exercise(IChatCodec codec, string path, byte[] input)
    {
        using var output = new PooledBufferWriter();
        if (path.EndsWith(".openai.json", StringComparison.Ordinal))
        {
            if (ChatRequestParser.TryParse(input, out var info, out _) && !codec.TryWriteRequest(input, info, "m", output, out var error))
            {
                Assert.Equal(400, error.Status);
            }
        }
        else if (path.EndsWith(".json", StringComparison.Ordinal))
        {
            codec.TryTranslateResponse(input, CodecFixtures.Context(), output, out _);
            codec.TranslateError(500, input, output);
        }
        else
        {
            using var translator = codec.CreateStreamTranslator(CodecFixtures.Context());
            CodecFixtures.AssertWellFormedStream(StreamRunner.Run(translator, input));
        }
    }
}
