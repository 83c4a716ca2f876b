using System.Buffers.Binary;

namespace MassRouter.Gateway.Telemetry;

/// <summary>
/// Request and event ids without a system call: <see cref="Guid.NewGuid"/> and <see cref="Guid.CreateVersion7()"/>
/// read 16 bytes of the kernel's randomness each time (a syscall per id, two per metered request). These are UUIDv7
/// too (time-ordered: 48 bits of Unix milliseconds), but their 74 other bits are 42 bits drawn once per process from
/// the OS's CSPRNG and a 32-bit counter: unique within a process by the counter, across processes by the random part.
/// They are identifiers, never secrets. The random bits come from one <see cref="Guid.NewGuid"/> (the kernel's CSPRNG
/// on Linux) rather than <c>RandomNumberGenerator</c>, which maps OpenSSL into the process (see <see cref="Hashing.Sha256"/>).
/// </summary>
internal static class UniqueId
{
    private static readonly long ProcessBits;
    private static int _counter;

#pragma warning disable CA1810 // Both fields come from one draw.
    static UniqueId()
#pragma warning restore CA1810
    {
        // Guid.NewGuid's little-endian layout: bytes 0-5 and 9-15 are random (6-8 hold the version and the variant).
        Span<byte> random = stackalloc byte[16];
        Guid.NewGuid().TryWriteBytes(random);
        ProcessBits = BinaryPrimitives.ReadInt64LittleEndian(random) & ((1L << 42) - 1);
        _counter = BinaryPrimitives.ReadInt32LittleEndian(random[10..]) & int.MaxValue;
    }

    /// <summary>A new UUIDv7.</summary>
    public static Guid NewGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var sequence = (uint)Interlocked.Increment(ref _counter);
        BinaryPrimitives.WriteInt64BigEndian(bytes, now << 16);
        bytes[6] = (byte)(0x70 | ((ProcessBits >> 38) & 0x0F));
        bytes[7] = (byte)(ProcessBits >> 30);
        bytes[8] = (byte)(0x80 | ((ProcessBits >> 24) & 0x3F));
        bytes[9] = (byte)(ProcessBits >> 16);
        bytes[10] = (byte)(ProcessBits >> 8);
        bytes[11] = (byte)ProcessBits;
        BinaryPrimitives.WriteUInt32BigEndian(bytes[12..], sequence);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>A new UUIDv7 as 32 lower-case hex digits.</summary>
    public static string NewHex() => NewGuid().ToString("N");
}
