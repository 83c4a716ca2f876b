using System.Security.Cryptography;
using System.Text;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Hashing;

namespace MassRouter.Gateway.Tests.Hashing;

public sealed class Sha256Tests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void KnownVectors_Match(string input, string expected)
    {
        Span<byte> hash = stackalloc byte[Sha256.HashSizeInBytes];
        Sha256.HashData(Encoding.ASCII.GetBytes(input), hash);
        Assert.Equal(expected, Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void EveryLength_UpToFourBlocks_MatchesTheBcl()
    {
        // Every tail length around the one- and two-block padding boundaries (55, 56, 63, 64, 119, 120 ...).
        var random = new Random(1234);
        Span<byte> hash = stackalloc byte[Sha256.HashSizeInBytes];
        for (var length = 0; length <= 260; length++)
        {
            var input = new byte[length];
            random.NextBytes(input);
            Sha256.HashData(input, hash);
            Assert.True(hash.SequenceEqual(SHA256.HashData(input)), $"length {length}");
        }
    }

    [Fact]
    public void KeyHash_Of_IsTheSha256OfTheUtf8Secret()
    {
        const string secret = "sk-mr-ünïcödé-0123456789abcdef0123456789abcdef0123456789abcdef";
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))), KeyHash.Of(secret).ToHex());
    }
}
