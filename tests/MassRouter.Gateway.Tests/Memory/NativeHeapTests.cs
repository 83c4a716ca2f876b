using System.Runtime.InteropServices;
using MassRouter.Gateway.Memory;

namespace MassRouter.Gateway.Tests.Memory;

public sealed class NativeHeapTests
{
    [Fact]
    public void Trim_GivesBackMemoryFreedInsideTheCHeap()
    {
        Assert.True(OperatingSystem.IsLinux(), "the gateway's memory trimming is for Linux (glibc)");

        // 64 KiB blocks (malloc on Linux; under glibc's mmap threshold, so from an arena) with a small block kept between every two: the
        // freed blocks are holes inside the heap, which free() cannot give back; only malloc_trim can.
        const int Blocks = 1024;
        const int BlockBytes = 64 * 1024;
        var large = new nint[Blocks];
        var small = new nint[Blocks];
        for (var i = 0; i < Blocks; i++)
        {
            large[i] = Marshal.AllocHGlobal(BlockBytes);
            for (var page = 0; page < BlockBytes; page += 4096)
            {
                Marshal.WriteInt64(large[i], page, 1);
            }

            small[i] = Marshal.AllocHGlobal(16);
        }

        try
        {
            foreach (var block in large)
            {
                Marshal.FreeHGlobal(block);
            }

            var before = ResidentMiB();
            Assert.True(NativeHeap.Trim());
            var after = ResidentMiB();
            Assert.True(before - after > 32, $"resident {before:F1} MiB before the trim, {after:F1} MiB after (64 MiB freed)");
        }
        finally
        {
            foreach (var block in small)
            {
                Marshal.FreeHGlobal(block);
            }
        }
    }

    private static double ResidentMiB()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("RssAnon:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }
}
