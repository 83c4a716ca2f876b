using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Tests.Translation;

namespace MassRouter.Gateway.Transforms.Tests.Gemini;

public class GeminiCodecTests
{
    private static readonly IChatCodec Codec = ChatCodecs.ForKind(ProviderKinds.Gemini)!;

    public static TheoryData<string> Recordings => CodecFixtures.Files("google", "gemini-", "vertex-");

    [Theory]
    [MemberData(nameof(Recordings))]
    public void Recording_TranslatesToExpectedOpenAIOutput(string fixture) =>
        CodecFixtures.Check(Codec, fixture, namedEvents: false, doneSentinel: false);
}
