using System.Runtime.InteropServices;
using MassRouter.Gateway.Memory;

namespace MassRouter.Gateway.Tests.Memory;

/// <summary>
/// Alone (no other test runs beside it): malloc_trim works process-wide, and any gateway a parallel test hosts runs its
/// own idle trim, which could give the freed blocks back between the free and this test's trim.
/// </summary>
[Collection(nameof(NativeHeapTests))]
public sealed class NativeHeapTests
{
    [Fact]
    public void Trim_GivesBackMemoryFreedInsideTheCHeap()
    {
        Assert.True(OperatingSystem.IsLinux(), "the gateway's memory trimming is for Linux (glibc)");

        // 64 KiB blocks (malloc on Linux; under glibc's mmap threshold, so from an arena), every other one freed: the freed
        // ones are holes between live blocks, which free() cannot give back however the allocator placed other data;
        // only malloc_trim can.
        const int Blocks = 2048;
        const int BlockBytes = 64 * 1024;
        var blocks = new nint[Blocks];
        for (var i = 0; i < Blocks; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(BlockBytes);
            for (var page = 0; page < BlockBytes; page += 4096)
            {
                Marshal.WriteInt64(blocks[i], page, 1);
            }
        }

        try
        {
            // Read before the free, so whichever trim in the process gives the holes back, the test sees it.
            var before = ResidentMiB();
            for (var i = 1; i < Blocks; i += 2)
            {
                Marshal.FreeHGlobal(blocks[i]);
                blocks[i] = 0;
            }

            Assert.True(NativeHeap.Trim());
            var after = ResidentMiB();
            Assert.True(before - after > 32, $"resident {before:F1} MiB before the free, {after:F1} MiB after the trim (64 MiB freed)");
        }
        finally
        {
            foreach (var block in blocks)
            {
                if (block != 0)
                {
                    Marshal.FreeHGlobal(block);
                }
            }
        }
    }

    private static double ResidentMiB()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("RssAnon:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }
}

[CollectionDefinition(nameof(NativeHeapTests), DisableParallelization = true)]
public sealed class NativeHeapTestsCollection;
