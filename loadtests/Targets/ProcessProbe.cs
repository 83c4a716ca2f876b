using System.Globalization;

namespace MassRouter.LoadTests.Targets;

/// <summary>Reads a process's resident memory and CPU time from /proc; returns nothing where /proc is absent.</summary>
internal static class ProcessProbe
{
    // USER_HZ: utime and stime in /proc/PID/stat count clock ticks of 1/100 s on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>VmRSS in MiB.</summary>
    public static double? RssMiB(int? pid)
    {
        if (pid is null)
        {
            return null;
        }

        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid.Value.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var digits = line.AsSpan(6).Trim();
                    var space = digits.IndexOf(' ');
                    var kib = long.Parse(space < 0 ? digits : digits[..space], CultureInfo.InvariantCulture);
                    return kib / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>User plus system CPU time of the process (all its threads), in seconds.</summary>
    public static double? CpuSeconds(int? pid)
    {
        if (pid is null)
        {
            return null;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid.Value.ToString(CultureInfo.InvariantCulture)}/stat");
            // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
            var rest = stat.AsSpan(stat.LastIndexOf(')') + 2);
            Span<Range> fields = stackalloc Range[16];
            var count = rest.Split(fields, ' ');
            if (count < 14)
            {
                return null;
            }

            // After ')' field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
            var utime = long.Parse(rest[fields[11]], CultureInfo.InvariantCulture);
            var stime = long.Parse(rest[fields[12]], CultureInfo.InvariantCulture);
            return (utime + stime) / TicksPerSecond;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
