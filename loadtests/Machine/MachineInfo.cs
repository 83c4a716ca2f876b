using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MassRouter.LoadTests.Machine;

/// <summary>The machine, runtime and commit a result was measured on; every result file carries it.</summary>
internal sealed record MachineInfo(
    string TakenUtc, string Host, string CpuModel, int LogicalCores, int CoresAvailableToGenerator, string Os, string Kernel,
    string Runtime, string Commit, double? LoadAverage1m)
{
    public static MachineInfo Collect() => new(
        DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
        Environment.MachineName,
        ReadCpuModel(),
        Environment.ProcessorCount > 0 ? ProcessorCountFromProc() : 0,
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        FirstLine("/proc/sys/kernel/osrelease") ?? RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        ReadCommit(),
        LoadAverage());

    private static string ReadCpuModel()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    // Environment.ProcessorCount honours this process's affinity (taskset); the machine's count comes from /proc.
    private static int ProcessorCountFromProc()
    {
        try
        {
            var count = 0;
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("processor", StringComparison.Ordinal))
                {
                    count++;
                }
            }

            return count > 0 ? count : Environment.ProcessorCount;
        }
        catch (IOException)
        {
            return Environment.ProcessorCount;
        }
    }

    private static double? LoadAverage()
    {
        var line = FirstLine("/proc/loadavg");
        var space = line?.IndexOf(' ', StringComparison.Ordinal) ?? -1;
        return space > 0 && double.TryParse(line.AsSpan(0, space), System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private static string? FirstLine(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadLines(path).FirstOrDefault()?.Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string ReadCommit()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("MASSROUTER_COMMIT");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (git is null)
            {
                return "unknown";
            }

            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit(5000);
            return git.ExitCode == 0 && output.Length > 0 ? output : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
