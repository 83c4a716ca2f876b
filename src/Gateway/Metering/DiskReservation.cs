using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// Reserves a new file's blocks on disk before it is mapped: <c>fallocate</c> where the file system has it, otherwise
/// writing the zeros out and flushing them (a file system without <c>fallocate</c> — NFS, many FUSE file systems —
/// would leave the file sparse, and the first copy into a page it cannot back on a full disk kills the process with
/// SIGBUS instead of failing the creation with an <see cref="IOException"/>). .NET's own <c>preallocationSize</c> falls
/// back to a sparse file silently, hence this.
/// </summary>
internal static partial class DiskReservation
{
    private const int EINTR = 4;
    private const int ENOSYS = 38;
    private const int EOPNOTSUPP = 95;

    private static readonly byte[] Zeros = new byte[64 << 10];

    /// <summary>
    /// Allocates <paramref name="length"/> bytes of zeros from offset 0 of the (new, empty) file.
    /// <paramref name="fallocate"/> stands in for the system call in tests (it returns 0 or an errno).
    /// </summary>
    /// <exception cref="IOException">The disk cannot hold the file.</exception>
    public static void Reserve(SafeFileHandle handle, long length, Func<SafeFileHandle, long, int>? fallocate = null)
    {
        var error = (fallocate ?? Fallocate)(handle, length);
        if (error == 0)
        {
            return;
        }

        if (error is not (ENOSYS or EOPNOTSUPP))
        {
            throw new IOException($"Could not allocate {length} bytes on disk for the metering journal (errno {error}: {Marshal.GetPInvokeErrorMessage(error)}).");
        }

        for (var offset = 0L; offset < length; offset += Zeros.Length)
        {
            RandomAccess.Write(handle, Zeros.AsSpan(0, (int)Math.Min(Zeros.Length, length - offset)), offset);
        }

        // Some file systems (NFS) only find out at write-back that the blocks are not there.
        RandomAccess.FlushToDisk(handle);
    }

    // 0, or the errno; ENOSYS where there is no fallocate to call (not Linux, no libc).
    private static int Fallocate(SafeFileHandle handle, long length)
    {
        if (!OperatingSystem.IsLinux())
        {
            return ENOSYS;
        }

        try
        {
            var fd = (int)handle.DangerousGetHandle();
            while (true)
            {
                if (FallocateCall(fd, 0, 0, length) == 0)
                {
                    return 0;
                }

                if (Marshal.GetLastPInvokeError() is var error && error != EINTR)
                {
                    return error;
                }
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return ENOSYS;
        }
    }

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int FallocateCall(int fd, int mode, long offset, long length);
}
