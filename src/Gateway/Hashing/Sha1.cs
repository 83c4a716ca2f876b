using System.Numerics;

namespace MassRouter.Gateway.Hashing;

/// <summary>
/// SHA-1 (FIPS 180-4) in managed code, only for the name Redis gives a Lua script (<c>EVALSHA</c>): an identifier,
/// not a security measure. The BCL's <c>SHA1</c> would map OpenSSL into the process for a handful of hashes at start
/// (see <see cref="Sha256"/>). Tests check it against the BCL's implementation.
/// </summary>
internal sealed class Sha1 : IBlockFunction
{
    public const int HashSizeInBytes = 20;

    /// <summary>Returns the SHA-1 of <paramref name="source"/>.</summary>
    public static byte[] HashData(ReadOnlySpan<byte> source)
    {
        Span<uint> state = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
        var hash = new byte[HashSizeInBytes];
        MerkleDamgard.Hash<Sha1>(source, state, stackalloc uint[80], hash);
        return hash;
    }

    public static void Compress(Span<uint> state, Span<uint> w, ReadOnlySpan<byte> block)
    {
        MerkleDamgard.ReadWords(block, w);

        for (var i = 16; i < 80; i++)
        {
            w[i] = BitOperations.RotateLeft(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        }

        uint a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
        for (var i = 0; i < 80; i++)
        {
            var (f, k) = i switch
            {
                < 20 => ((b & c) | (~b & d), 0x5A827999u),
                < 40 => (b ^ c ^ d, 0x6ED9EBA1u),
                < 60 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDCu),
                _ => (b ^ c ^ d, 0xCA62C1D6u),
            };
            var temp = BitOperations.RotateLeft(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = BitOperations.RotateLeft(b, 30);
            b = a;
            a = temp;
        }

        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
    }
}
