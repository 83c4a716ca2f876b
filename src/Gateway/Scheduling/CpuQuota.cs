using System.Globalization;

namespace MassRouter.Gateway.Scheduling;

/// <summary>
/// The CPU quota (CFS bandwidth limit) the process runs under, in cores: a container's <c>--cpus</c> or a Kubernetes CPU
/// limit. Read from the process's cgroup (v2 <c>cpu.max</c>, or v1 <c>cpu.cfs_quota_us</c> / <c>cpu.cfs_period_us</c>)
/// and every ancestor up to the mount point: the tightest applies.
/// </summary>
internal static class CpuQuota
{
    /// <summary>The quota in cores, or null when there is none (or this is not Linux, or it cannot be read).</summary>
    public static double? Read() =>
        OperatingSystem.IsLinux() ? Read("/proc/self/cgroup", "/proc/self/mountinfo") : null;

    /// <summary>The same from the given <c>/proc/self/cgroup</c> and <c>/proc/self/mountinfo</c> (tests pass their own).</summary>
    internal static double? Read(string cgroupFile, string mountInfoFile)
    {
        try
        {
            var memberships = File.ReadAllLines(cgroupFile);
            var mounts = File.ReadAllLines(mountInfoFile).Select(Mount.Parse).OfType<Mount>().ToList();
            double? tightest = null;
            foreach (var line in memberships)
            {
                // hierarchy-id:controllers:path ("0::/path" on cgroup v2).
                var parts = line.Split(':', 3);
                if (parts.Length != 3)
                {
                    continue;
                }

                var v2 = parts[0] == "0" && parts[1].Length == 0;
                var mount = v2
                    ? mounts.FirstOrDefault(m => m.Type == "cgroup2")
                    : parts[1].Split(',').Contains("cpu") ? mounts.FirstOrDefault(m => m.Type == "cgroup" && m.SuperOptions.Contains("cpu")) : null;
                if (mount is not null && Tightest(mount, parts[2], v2) is { } cores && (tightest is null || cores < tightest))
                {
                    tightest = cores;
                }
            }

            return tightest;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static double? Tightest(Mount mount, string path, bool v2)
    {
        // The cgroup's path is relative to the hierarchy's root; the mount shows the hierarchy from mount.Root down.
        if (!IsUnder(path, mount.Root))
        {
            return null;
        }

        var relative = path[mount.Root.TrimEnd('/').Length..].Trim('/');
        var directory = relative.Length == 0 ? mount.Point : Path.Combine(mount.Point, relative);
        double? tightest = null;
        while (true)
        {
            if ((v2 ? ReadV2(directory) : ReadV1(directory)) is { } cores && (tightest is null || cores < tightest))
            {
                tightest = cores;
            }

            if (directory.TrimEnd('/') == mount.Point.TrimEnd('/') || Path.GetDirectoryName(directory) is not { } parent)
            {
                return tightest;
            }

            directory = parent;
        }
    }

    private static bool IsUnder(string path, string root) =>
        root == "/" || path == root || path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal);

    // "max 100000" (none) or "150000 100000" (quota, period in µs).
    private static double? ReadV2(string directory)
    {
        var fields = ReadFile(Path.Combine(directory, "cpu.max"))?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields is [var quota, var period] ? Cores(quota, period) : null;
    }

    // cfs_quota_us is -1 when there is none.
    private static double? ReadV1(string directory) =>
        ReadFile(Path.Combine(directory, "cpu.cfs_quota_us")) is { } quota && ReadFile(Path.Combine(directory, "cpu.cfs_period_us")) is { } period
            ? Cores(quota, period)
            : null;

    private static double? Cores(string quota, string period) =>
        long.TryParse(quota, NumberStyles.None, CultureInfo.InvariantCulture, out var q)
        && long.TryParse(period, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && q > 0 && p > 0
            ? (double)q / p
            : null;

    private static string? ReadFile(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;

    /// <summary>A line of <c>/proc/self/mountinfo</c>: "id parent major:minor root point options [optional...] - type source super-options".</summary>
    private sealed record Mount(string Root, string Point, string Type, string[] SuperOptions)
    {
        public static Mount? Parse(string line)
        {
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            return separator >= 6 && fields.Length >= separator + 4
                ? new Mount(Unescape(fields[3]), Unescape(fields[4]), fields[separator + 1], fields[separator + 3].Split(','))
                : null;
        }

        // mountinfo escapes space, tab, newline and backslash as \ooo.
        private static string Unescape(string field) =>
            field.Contains('\\', StringComparison.Ordinal)
                ? System.Text.RegularExpressions.Regex.Replace(field, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString())
                : field;
    }
}
