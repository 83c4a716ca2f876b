using System.Runtime.InteropServices;

namespace MassRouter.Gateway.Memory;

/// <summary>
/// The C library's heap (what the runtime, the JIT, OpenSSL and the sockets layer allocate natively). glibc keeps
/// memory freed inside its arenas resident for reuse: after a burst of load (the JIT's tier-up work, many connections)
/// that is several MiB per arena that nothing will use again soon.
/// </summary>
internal static partial class NativeHeap
{
    private static bool _unavailable;

    /// <summary>
    /// Gives the free pages of every glibc arena back to the OS (<c>malloc_trim(0)</c>); false where there is no glibc
    /// (musl, macOS, Windows), once and for all.
    /// </summary>
    public static bool Trim()
    {
        if (_unavailable || !OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            _ = MallocTrim(0);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
