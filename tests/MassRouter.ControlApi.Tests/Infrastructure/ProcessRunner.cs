using System.Diagnostics;

namespace MassRouter.ControlApi.Tests.Infrastructure;

internal static class ProcessRunner
{
    /// <summary>True when the tests run as root (CI does): PostgreSQL must then run as the <c>postgres</c> user.</summary>
    public static bool IsRoot { get; } = Environment.UserName == "root";

    /// <summary>Runs a command to completion and fails with its output when it exits non-zero.</summary>
    public static async Task RunAsync(string file, params string[] args)
    {
        var (exitCode, output) = await TryRunAsync(file, args);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"'{file} {string.Join(' ', args)}' exited with {exitCode}:\n{output}");
        }
    }

    public static async Task<(int ExitCode, string Output)> TryRunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Runs <paramref name="file"/> as the <c>postgres</c> OS user when the tests run as root.</summary>
    public static Task RunAsPostgresAsync(string file, params string[] args) =>
        IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", file, .. args]) : RunAsync(file, args);
}
