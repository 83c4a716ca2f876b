using System.Globalization;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Scheduling;
using MassRouter.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Tests.Scheduling;

/// <summary>
/// The wake spinner's thread as the kernel sees it (<c>/proc/self/task/TID/stat</c>): its scheduling policy, whether it
/// runs or sleeps, and how a poke wakes it.
/// </summary>
public sealed class WakeSpinnerTests
{
    private const int SchedIdle = 5;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void ZeroWindow_StartsNoThread()
    {
        using var spinner = Spinner(TimeSpan.Zero);
        spinner.Poke(1);
        Assert.False(spinner.IsEnabled);
        Assert.False(spinner.IsSpinning);
        Assert.Equal(0, spinner.Wakes);
        Assert.Null(spinner.OsThreadId);
    }

    [Fact]
    public void Unset_IsTheDefaultWindow_OrOffUnderACpuQuota_WhileASetWindowHolds()
    {
        using (var free = new WakeSpinner(Options.Create(new GatewayOptions()), NullLogger<WakeSpinner>.Instance, () => null))
        {
            Assert.True(free.IsEnabled);
            Assert.Equal(WakeSpinner.DefaultWindow, free.Window);
        }

        using var logs = new CapturingLoggerProvider();
        using (var limited = new WakeSpinner(Options.Create(new GatewayOptions()), new Logger<WakeSpinner>(new LoggerFactory([logs])), () => 1.5))
        {
            Assert.False(limited.IsEnabled);
            Assert.Contains(logs.Messages, entry => entry.Message.Contains("CPU quota of 1.5 cores", StringComparison.Ordinal));
        }

        using var chosen = new WakeSpinner(
            Options.Create(new GatewayOptions { WakeSpin = TimeSpan.FromMicroseconds(300) }), NullLogger<WakeSpinner>.Instance, () => 1.5);
        Assert.True(chosen.IsEnabled);
        Assert.Equal(TimeSpan.FromMicroseconds(300), chosen.Window);
    }

    [Fact]
    public async Task Thread_RunsUnderSchedIdle_AndSleepsUntilPoked()
    {
        using var spinner = Spinner(TimeSpan.FromMilliseconds(300));
        var tid = await WaitForAsync(() => spinner.OsThreadId);
        Assert.True(await EventuallyAsync(() => spinner.RunsAsIdleClass is not null));
        Assert.True(spinner.RunsAsIdleClass);
        Assert.Equal(SchedIdle, Stat(tid).Policy);

        // Never poked: it sleeps.
        Assert.True(await EventuallyAsync(() => spinner.IsAsleep && Stat(tid).State == 'S'));
        Assert.Equal(0, spinner.Wakes);

        // A poke wakes it and it spins (runnable) through the window, then sleeps again. Its own mark, not only the
        // kernel's state: a SCHED_IDLE thread starved on a busy machine (CI runs test assemblies side by side) can be
        // seen sleeping in its semaphore's wake-up path before it has run to see its window end and mark itself.
        spinner.Poke(1);
        Assert.Equal(1, spinner.Wakes);
        Assert.True(spinner.IsSpinning);
        Assert.True(await EventuallyAsync(() => !spinner.IsSpinning && spinner.IsAsleep && Stat(tid).State == 'S'));

        // Pokes within a window extend it without another wake.
        spinner.Poke(1);
        spinner.Poke(2);
        Assert.Equal(2, spinner.Wakes);
    }

    [Fact]
    public async Task PokeUnderLoad_DoesNotWakeIt()
    {
        using var spinner = Spinner(TimeSpan.FromMilliseconds(300));
        var tid = await AsleepAsync(spinner);
        spinner.Poke(WakeSpinner.MaxInFlight + 1);
        Assert.Equal(0, spinner.Wakes);
        Assert.False(spinner.IsSpinning);
        spinner.Poke(WakeSpinner.MaxInFlight);
        Assert.Equal(1, spinner.Wakes);
        Assert.True(spinner.IsSpinning);
    }

    [Fact]
    public async Task ItsSeries_CountWakesAndTimeSpentSpinning()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var spinner = Spinner(TimeSpan.FromMilliseconds(100));
        MassRouter.Gateway.Telemetry.GatewayMetrics.Register(registry, spinner);
        var tid = await AsleepAsync(spinner);
        var before = await ScrapeAsync(registry);
        Assert.Equal(0, Series(before, "massrouter_wake_spinner_wakes_total"));
        var awakeBefore = Series(before, "massrouter_wake_spinner_awake_seconds_total");

        var poked = DateTime.UtcNow;
        spinner.Poke(1);
        Assert.True(await EventuallyAsync(() => spinner.IsAsleep && Stat(tid).State == 'S' && spinner.AwakeTime > TimeSpan.Zero));
        var after = await ScrapeAsync(registry);
        Assert.Equal(1, Series(after, "massrouter_wake_spinner_wakes_total"));
        var awake = Series(after, "massrouter_wake_spinner_awake_seconds_total");
        Assert.InRange(awake - awakeBefore, double.Epsilon, (DateTime.UtcNow - poked).TotalSeconds);
    }

    [Theory]
    [InlineData("00:00:00", true)]
    [InlineData("00:00:00.0002", true)]
    [InlineData("00:00:00.005", true)]
    [InlineData("00:00:00.006", false)]
    [InlineData("-00:00:00.001", false)]
    public void Validator_BoundsTheWindow(string window, bool valid)
    {
        var options = new GatewayOptions { WakeSpin = TimeSpan.Parse(window, CultureInfo.InvariantCulture) };
        var result = new GatewayOptionsValidator().Validate(null, options);
        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("MassRouter:WakeSpin", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    /// <summary>Waits until the spinner's thread has started, set its policy and gone to sleep; returns its kernel id.</summary>
    private static async Task<int> AsleepAsync(WakeSpinner spinner)
    {
        var tid = await WaitForAsync(() => spinner.OsThreadId);
        Assert.True(await EventuallyAsync(() => spinner.RunsAsIdleClass is not null && spinner.IsAsleep && Stat(tid).State == 'S'));
        return tid;
    }

    private static async Task<string> ScrapeAsync(Prometheus.CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static double Series(string exposition, string name)
    {
        var line = exposition.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private static WakeSpinner Spinner(TimeSpan window) =>
        new(Options.Create(new GatewayOptions { WakeSpin = window }), NullLogger<WakeSpinner>.Instance);

    /// <summary>The thread's state letter and scheduling policy (fields 3 and 41 of its stat line).</summary>
    private static (char State, int Policy) Stat(int tid)
    {
        var line = File.ReadAllText($"/proc/self/task/{tid}/stat");
        var fields = line[(line.LastIndexOf(')') + 2)..].Split(' ');
        return (fields[0][0], int.Parse(fields[41 - 3], CultureInfo.InvariantCulture));
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> read)
        where T : struct
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (read() is { } value)
            {
                return value;
            }

            await Task.Delay(5);
        }

        throw new TimeoutException("The spinner's thread did not start.");
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(5);
        }

        return true;
    }
}
