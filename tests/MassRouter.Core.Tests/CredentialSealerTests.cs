using System.Security.Cryptography;
using MassRouter.Core.Security;

namespace MassRouter.Core.Tests;

public class CredentialSealerTests
{
    [Fact]
    public void SealedCredential_OpensToTheSecret_AndNeverContainsIt()
    {
        var sealer = new CredentialSealer(RandomNumberGenerator.GetBytes(32));
        var sealedText = sealer.Seal("sk-provider-secret");
        Assert.DoesNotContain("sk-provider-secret", sealedText, StringComparison.Ordinal);
        Assert.NotEqual(sealedText, sealer.Seal("sk-provider-secret"));
        Assert.Equal("sk-provider-secret", sealer.Open(sealedText));
    }

    [Fact]
    public void OtherKey_CannotOpen()
    {
        var sealedText = new CredentialSealer(RandomNumberGenerator.GetBytes(32)).Seal("secret");
        Assert.ThrowsAny<CryptographicException>(() => new CredentialSealer(RandomNumberGenerator.GetBytes(32)).Open(sealedText));
    }
}
