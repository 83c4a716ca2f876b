using CsCheck;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Tests.Compatible;
using MassRouter.Gateway.Transforms.Tests.Translation;

namespace MassRouter.Gateway.Transforms.Tests.Sse;

/// <summary>
/// Every recorded stream, cut into reads at random places, must translate exactly as when it arrives in one read.
/// Half of the cuts are drawn from the awkward places: right after a '\r', inside a multi-byte UTF-8 character,
/// inside "data:" and right before a line end.
/// </summary>
public class SplitReplayPropertyTests
{
    public static TheoryData<string, string> Recordings()
    {
        var data = new TheoryData<string, string>();
        foreach (var (kind, folder, prefix) in new[] { (ProviderKinds.Anthropic, "anthropic", "anthropic-"), (ProviderKinds.Gemini, "google", ""), (ProviderKinds.Cohere, "cohere", "cohere-") })
        {
            foreach (var fixture in CodecFixtures.Files(folder, prefix))
            {
                if (IsStream(fixture))
                {
                    data.Add(kind, fixture);
                }
            }
        }

        foreach (var fixture in OpenAICompatibleNormaliserTests.StreamFixtures())
        {
            data.Add(ProviderKinds.OpenAI, fixture);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Recordings))]
    public void RandomlySplitStream_TranslatesIdentically(string kind, string fixture)
    {
        var input = FixtureStream.Load(Fixtures.PathOf(fixture), namedEvents: kind is ProviderKinds.Anthropic or ProviderKinds.Cohere, doneSentinel: kind == ProviderKinds.OpenAI);
        var whole = Translate(kind, input, null);
        var awkward = AwkwardCuts(input);

        var cut = Gen.Frequency((1, Gen.Int[1, input.Length - 1]), (1, Gen.Int[0, awkward.Length - 1].Select(i => awkward[i])));
        cut.Array[1, 40].Sample(
            cuts => Assert.Equal(whole, Translate(kind, input, ToReadSizes(cuts, input.Length))),
            iter: 60);
    }

    private static string Translate(string kind, byte[] input, int[]? readSizes)
    {
        if (kind == ProviderKinds.OpenAI)
        {
            return StreamRunner.RunNormaliser(input, readSizes);
        }

        using var translator = ChatCodecs.ForKind(kind)!.CreateStreamTranslator(CodecFixtures.Context());
        return StreamRunner.Run(translator, input, readSizes);
    }

    /// <summary>Sorted distinct cut positions → the sizes of the reads between them (and a final read to the end).</summary>
    private static int[] ToReadSizes(int[] cuts, int length)
    {
        var sizes = new List<int>();
        var previous = 0;
        foreach (var cut in cuts.Where(c => c > 0 && c < length).Distinct().Order())
        {
            sizes.Add(cut - previous);
            previous = cut;
        }

        sizes.Add(length - previous);
        return [.. sizes];
    }

    private static int[] AwkwardCuts(byte[] input)
    {
        var cuts = new List<int>();
        for (var i = 1; i < input.Length; i++)
        {
            var b = input[i];
            var afterCarriageReturn = input[i - 1] == (byte)'\r';
            var insideUtf8 = (b & 0xC0) == 0x80;
            var insideDataField = input[i - 1] is (byte)'d' or (byte)'a' or (byte)':' && b is (byte)'a' or (byte)'t' or (byte)':' or (byte)' ';
            var beforeLineEnd = b is (byte)'\r' or (byte)'\n';
            if (afterCarriageReturn || insideUtf8 || insideDataField || beforeLineEnd)
            {
                cuts.Add(i);
            }
        }

        return cuts.Count > 0 ? [.. cuts] : [input.Length / 2];
    }

    private static bool IsStream(string fixture) =>
        fixture.EndsWith(".sse", StringComparison.Ordinal) || fixture.EndsWith(".chunks.txt", StringComparison.Ordinal);
}
