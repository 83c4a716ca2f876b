using System.Runtime.InteropServices;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// Reads settlement journal segments as a tool outside .NET would: a live journal holds its segments under .NET's
/// exclusive advisory lock, which every .NET open honours, so the bytes are read through plain <c>open</c>/<c>pread</c>.
/// </summary>
internal static class JournalFiles
{
    private const int ReadOnly = 0;

    /// <summary>Bytes written in the segments in <paramref name="directory"/> (a segment's file is zeros after them).</summary>
    public static long ContentBytes(string directory) =>
        Directory.Exists(directory) ? Directory.GetFiles(directory).Sum(f => WrittenLength(ReadUnlocked(f))) : 0;

    private static int WrittenLength(byte[] segment) => segment.AsSpan().IndexOf((byte)0) is var zero and >= 0 ? zero : segment.Length;

    private static byte[] ReadUnlocked(string path)
    {
        var fd = Open(path, ReadOnly);
        if (fd < 0)
        {
            // Deleted since it was listed: a reclaimed segment holds nothing.
            return [];
        }

        try
        {
            var buffer = new byte[new FileInfo(path).Length];
            var read = 0L;
            while (read < buffer.Length)
            {
                var chunk = new byte[buffer.Length - read];
                var n = Pread(fd, chunk, chunk.Length, read);
                if (n <= 0)
                {
                    break;
                }

                chunk.AsSpan(0, (int)n).CopyTo(buffer.AsSpan((int)read));
                read += n;
            }

            return buffer;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static extern nint Pread(int fd, byte[] buffer, nint count, long offset);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
