using System.Security.Cryptography;
using System.Text;
using MassRouter.Gateway.Hashing;

namespace MassRouter.Gateway.Tests.Hashing;

public sealed class Sha1Tests
{
    [Theory]
    [InlineData("", "da39a3ee5e6b4b0d3255bfef95601890afd80709")]
    [InlineData("abc", "a9993e364706816aba3e25717850c26c9cd0d89d")]
    [InlineData("return 1", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")]
    public void KnownVectors_Match(string input, string expected) =>
        Assert.Equal(expected, Convert.ToHexStringLower(Sha1.HashData(Encoding.ASCII.GetBytes(input))));

#pragma warning disable CA5350 // The reference implementation the test compares with.
    [Fact]
    public void EveryLength_UpToFourBlocks_MatchesTheBcl()
    {
        var random = new Random(4321);
        for (var length = 0; length <= 260; length++)
        {
            var input = new byte[length];
            random.NextBytes(input);
            Assert.True(Sha1.HashData(input).AsSpan().SequenceEqual(SHA1.HashData(input)), $"length {length}");
        }
    }
#pragma warning restore CA5350
}
