using System.Diagnostics;
using System.Globalization;
using MassRouter.Gateway.Metering;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>A journal segment's blocks are on disk before it is mapped, whatever the file system offers.</summary>
public sealed class JournalSegmentTests : IDisposable
{
    private const long Capacity = 1 << 20;
    private const int EOPNOTSUPP = 95;
    private const int ENOSPC = 28;

    private readonly string _directory = Directory.CreateTempSubdirectory("mr-segment-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void NewSegment_HasItsBlocksAllocated()
    {
        var path = Path.Combine(_directory, "a.journal");
        var segment = JournalSegment.Create(path, Capacity);
        Assert.Equal(Capacity, new FileInfo(path).Length);
        Assert.True(AllocatedBytes(path) >= Capacity, $"{AllocatedBytes(path)} bytes allocated");
        segment.Delete();
    }

    [Fact]
    public void WithoutFallocate_TheZerosAreWrittenOut()
    {
        var path = Path.Combine(_directory, "b.journal");
        var calls = 0;
        var segment = JournalSegment.Create(path, Capacity, (_, _) =>
        {
            calls++;
            return EOPNOTSUPP;
        });
        Assert.Equal(1, calls);
        Assert.True(AllocatedBytes(path) >= Capacity, $"{AllocatedBytes(path)} bytes allocated");
        Assert.True(segment.TryAppend("line\n"u8, out _));
        segment.Close();

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(Capacity, bytes.Length);
        Assert.Equal("line\n"u8.ToArray(), bytes[..5]);
        Assert.DoesNotContain(bytes.AsSpan(5).ToArray(), b => b != 0);
    }

    [Fact]
    public void FullDisk_FailsTheCreation_AndLeavesNoFile()
    {
        var path = Path.Combine(_directory, "c.journal");
        var error = Assert.Throws<IOException>(() => JournalSegment.Create(path, Capacity, (_, _) => ENOSPC));
        Assert.Contains("errno 28", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void ASparseFile_IsToldApart_ByTheAllocationCheck()
    {
        // The measure the tests above rely on: a file only extended has (almost) nothing allocated.
        var path = Path.Combine(_directory, "sparse");
        using (var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            RandomAccess.SetLength(handle, Capacity);
        }

        Assert.True(AllocatedBytes(path) < Capacity / 2, $"{AllocatedBytes(path)} bytes allocated");
    }

    private static long AllocatedBytes(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%b %B", path]) { RedirectStandardOutput = true })!;
        var fields = stat.StandardOutput.ReadToEnd().Split(' ', StringSplitOptions.TrimEntries);
        stat.WaitForExit();
        return long.Parse(fields[0], CultureInfo.InvariantCulture) * long.Parse(fields[1], CultureInfo.InvariantCulture);
    }
}
