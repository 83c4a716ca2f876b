using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Tests.Translation;

namespace MassRouter.Gateway.Transforms.Tests.Anthropic;

public class AnthropicCodecTests
{
    private static readonly IChatCodec Codec = ChatCodecs.ForKind(ProviderKinds.Anthropic)!;

    public static TheoryData<string> Recordings => CodecFixtures.Files("anthropic", "anthropic-");

    [Theory]
    [MemberData(nameof(Recordings))]
    public void Recording_TranslatesToExpectedOpenAIOutput(string fixture) =>
        CodecFixtures.Check(Codec, fixture, namedEvents: true, doneSentinel: false);
}
