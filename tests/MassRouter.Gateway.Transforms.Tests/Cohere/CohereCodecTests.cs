using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Tests.Translation;

namespace MassRouter.Gateway.Transforms.Tests.Cohere;

public class CohereCodecTests
{
    private static readonly IChatCodec Codec = ChatCodecs.ForKind(ProviderKinds.Cohere)!;

    public static TheoryData<string> Recordings => CodecFixtures.Files("cohere", "cohere-");

    [Theory]
    [MemberData(nameof(Recordings))]
    public void Recording_TranslatesToExpectedOpenAIOutput(string fixture) =>
        CodecFixtures.Check(Codec, fixture, namedEvents: true, doneSentinel: false);
}
