using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// A gateway in its own OS process (<c>dotnet MassRouter.Gateway.dll</c> from the test's output directory), configured by
/// environment variables, so a test can kill it with SIGKILL the way an OOM killer or a crash would, or stop it with
/// SIGTERM the way an orchestrator does. Disposing kills
/// it if it still runs.
/// </summary>
public sealed partial class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private GatewayProcess(Process process) => _process = process;

    public Uri Address { get; private set; } = null!;

    /// <summary>The OS process id.</summary>
    public int Id => _process.Id;

    /// <summary>Everything the process wrote so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the gateway with <paramref name="settings"/> (configuration keys) and waits until it listens.</summary>
    public static async Task<GatewayProcess> StartAsync(Dictionary<string, string?> settings, string workingDirectory)
    {
        Directory.CreateDirectory(workingDirectory);
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "MassRouter.Gateway.dll"), "--urls", "http://127.0.0.1:0" })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__MassRouter"] = "Information";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("The gateway process did not start.");
        var gateway = new GatewayProcess(process);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (gateway._output)
            {
                gateway._output.AppendLine(e.Data);
            }

            if (ListeningOn().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("The gateway process exited at start:\n" + gateway.Output));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            gateway.Address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }

        return gateway;
    }

    /// <summary>Sends SIGTERM, as an orchestrator stopping the container does (the host's graceful stop).</summary>
    public void Terminate()
    {
        if (Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits for the process to exit by itself; its exit code, or null if it still ran after <paramref name="timeout"/>.</summary>
    public async Task<int?> ExitCodeWithinAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            return _process.ExitCode;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    /// <summary>SIGKILL, process tree included: nothing runs after this, no shutdown hook, no drain.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }

    [GeneratedRegex("gateway listening on (http://[^ ,]+)")]
    private static partial Regex ListeningOn();

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
