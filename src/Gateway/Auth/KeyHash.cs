using System.Buffers.Binary;
using MassRouter.Gateway.Hashing;

namespace MassRouter.Gateway.Auth;

/// <summary>The SHA-256 of an API key secret as a value type, so lookups can cross an await without allocating.</summary>
public readonly struct KeyHash : IEquatable<KeyHash>
{
    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    /// <summary>Wraps a 32-byte SHA-256 hash.</summary>
    public KeyHash(ReadOnlySpan<byte> sha256)
    {
        if (sha256.Length != Sha256.HashSizeInBytes)
        {
            throw new ArgumentException("A key hash is 32 bytes.", nameof(sha256));
        }

        _a = BinaryPrimitives.ReadUInt64BigEndian(sha256);
        _b = BinaryPrimitives.ReadUInt64BigEndian(sha256[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(sha256[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(sha256[24..]);
    }

    /// <summary>Hashes a key secret.</summary>
    public static KeyHash Of(string secret)
    {
        Span<byte> hash = stackalloc byte[Sha256.HashSizeInBytes];
        Sha256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), hash);
        return new KeyHash(hash);
    }

    /// <summary>Parses the lowercase (or uppercase) hex form.</summary>
    public static KeyHash FromHex(string hex) => new(Convert.FromHexString(hex));

    /// <summary>Writes the 32 bytes.</summary>
    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    /// <summary>Lowercase hex, as used in <c>mr:key:&lt;hex&gt;</c>.</summary>
    public string ToHex()
    {
        Span<byte> bytes = stackalloc byte[Sha256.HashSizeInBytes];
        CopyTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    public bool Equals(KeyHash other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    public override bool Equals(object? obj) => obj is KeyHash other && Equals(other);

    // The value is already a uniformly distributed hash: any 32 bits of it will do.
    public override int GetHashCode() => (int)_a;

    public override string ToString() => ToHex();

    public static bool operator ==(KeyHash left, KeyHash right) => left.Equals(right);

    public static bool operator !=(KeyHash left, KeyHash right) => !left.Equals(right);
}
