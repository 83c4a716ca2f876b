using System.Diagnostics;
using System.Runtime.InteropServices;
using MassRouter.Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Scheduling;

/// <summary>
/// Keeps a core awake for a short window after a chat request starts or ends while the gateway is nearly idle, so the
/// answer it is about to wait for (the provider's first bytes, the client's next request) is taken by a running core
/// instead of one that has gone idle.
/// </summary>
/// <remarks>
/// <para>With inline I/O every wait of a lone request parks the event thread and its core goes idle; waking an idle core
/// (most of all a virtual one, whose halt goes through the hypervisor) costs tens of microseconds, twice per request.
/// The thread pool avoids that by spinning its workers before they sleep, which is why plain YARP is faster at
/// concurrency 1 than its CPU use would say. This thread does it on purpose: after a <see cref="Poke"/> it spins until
/// the window closes, then sleeps until the next poke.</para>
/// <para>On Linux it runs under <c>SCHED_IDLE</c>: it gets a core only when nothing else wants it, and any thread that
/// wakes takes the core from it at once, so it never delays the gateway's own work (nor anything else on the machine).
/// Elsewhere, or when the policy cannot be set, it yields (<c>sched_yield</c>) between spins instead. Under load (more
/// than <see cref="MaxInFlight"/> requests in flight) events are dense enough that cores rarely idle and a poke does not
/// extend the window. The cost is CPU time: up to one window per lone request, counted against the process (mind a
/// container's CPU quota: with no window configured it is off when the process runs under one).</para>
/// </remarks>
internal sealed class WakeSpinner : IDisposable
{
    /// <summary>Above this many chat requests in flight a poke does not extend the window.</summary>
    public const int MaxInFlight = 4;

    private const int SchedIdle = 5;

    private readonly long _windowTicks;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread? _thread;
    private readonly ILogger<WakeSpinner> _logger;
    private long _spinUntil;
    private int _sleeping;
    private long _wakes;
    private long _awakeTicks;
    private volatile bool _disposed;

    /// <summary>The window when none is configured and no CPU quota applies.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMicroseconds(200);

    public WakeSpinner(IOptions<GatewayOptions> options, ILogger<WakeSpinner> logger)
        : this(options, logger, CpuQuota.Read)
    {
    }

    /// <param name="quota">The process's CPU quota in cores (null: none), read when no window is configured.</param>
    internal WakeSpinner(IOptions<GatewayOptions> options, ILogger<WakeSpinner> logger, Func<double?> quota)
    {
        _logger = logger;
        var window = options.Value.WakeSpin ?? WindowFor(quota(), logger);
        Window = window <= TimeSpan.Zero ? TimeSpan.Zero : window;
        _windowTicks = (long)(Window.TotalSeconds * Stopwatch.Frequency);
        if (_windowTicks > 0)
        {
            _thread = new Thread(Run) { IsBackground = true, Name = "MassRouter wake spinner" };
            _thread.Start();
        }
    }

    /// <summary>The window in use: <see cref="GatewayOptions.WakeSpin"/>, or when unset <see cref="DefaultWindow"/> (zero under a CPU quota).</summary>
    public TimeSpan Window { get; }

    /// <summary>Whether a window is in use (above zero).</summary>
    public bool IsEnabled => _windowTicks > 0;

    /// <summary>True while the thread spins (a window is open and it has seen it).</summary>
    public bool IsSpinning => _thread is not null && Volatile.Read(ref _sleeping) == 0 && Stopwatch.GetTimestamp() < Volatile.Read(ref _spinUntil);

    /// <summary>
    /// True once the thread has marked itself asleep (the next poke wakes it and counts), which it does only after its
    /// window ran out and it got the core to see so: a starved <c>SCHED_IDLE</c> thread may stay unmarked long after.
    /// </summary>
    public bool IsAsleep => _thread is not null && Volatile.Read(ref _sleeping) == 1;

    /// <summary>How many times a poke woke the sleeping thread.</summary>
    public long Wakes => Interlocked.Read(ref _wakes);

    /// <summary>
    /// Time the thread has spent awake (spinning) up to its last sleep: an upper bound of the CPU it used, since any other
    /// thread on its core preempts it.
    /// </summary>
    public TimeSpan AwakeTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _awakeTicks));

    /// <summary>True when the thread runs under <c>SCHED_IDLE</c> (known once it has started).</summary>
    public bool? RunsAsIdleClass { get; private set; }

    /// <summary>The thread's id in the kernel (Linux, once it has started): for diagnostics under <c>/proc</c>.</summary>
    public int? OsThreadId { get; private set; }

    /// <summary>Opens (or extends) the window, unless more than <see cref="MaxInFlight"/> requests are in flight.</summary>
    public void Poke(int inFlight)
    {
        if (_windowTicks == 0 || inFlight > MaxInFlight)
        {
            return;
        }

        // The exchange is a full fence: the spinner, which marks itself sleeping and then reads the deadline, either sees
        // this deadline or is seen sleeping here.
        Interlocked.Exchange(ref _spinUntil, Stopwatch.GetTimestamp() + _windowTicks);
        if (Volatile.Read(ref _sleeping) == 1 && Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1)
        {
            Interlocked.Increment(ref _wakes);
            _wake.Release();
        }
    }

    /// <summary>
    /// With no window configured: off under a CPU quota, where the spinning counts against the quota (a container's
    /// <c>--cpus</c>, a Kubernetes CPU limit) and brings throttling closer; else <see cref="DefaultWindow"/>.
    /// </summary>
    private static TimeSpan WindowFor(double? quotaCores, ILogger logger)
    {
        if (quotaCores is not { } cores)
        {
            return DefaultWindow;
        }

        logger.LogInformation(
            "The process runs under a CPU quota of {Cores} cores: the wake spinner is off (MassRouter:WakeSpin turns it on)",
            Math.Round(cores, 2));
        return TimeSpan.Zero;
    }

    public void Dispose()
    {
        _disposed = true;
        if (_thread is not null && Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1)
        {
            _wake.Release();
        }
    }

    private void Run()
    {
        if (OperatingSystem.IsLinux() && new FileInfo("/proc/thread-self").LinkTarget is { } self
            && int.TryParse(Path.GetFileName(self), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var tid))
        {
            OsThreadId = tid;
        }

        var idleClass = TryEnterIdleClass();
        RunsAsIdleClass = idleClass;
        if (!idleClass)
        {
            _logger.LogDebug("The wake spinner could not run under SCHED_IDLE; it yields between spins instead");
        }

        var awakeSince = Stopwatch.GetTimestamp();
        while (!_disposed)
        {
            if (Stopwatch.GetTimestamp() < Volatile.Read(ref _spinUntil))
            {
                if (idleClass)
                {
                    // Any thread that wakes on this core preempts an idle-class thread: no need to hand the core over.
                    Thread.SpinWait(64);
                }
                else
                {
                    Thread.Yield();
                }

                continue;
            }

            Interlocked.Exchange(ref _sleeping, 1);
            if (Stopwatch.GetTimestamp() < Volatile.Read(ref _spinUntil) && Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1)
            {
                // Poked between the check and the mark: spin on; nobody released.
                continue;
            }

            // No window: sleep until a poke clears the mark and releases (or one already has).
            Interlocked.Add(ref _awakeTicks, Stopwatch.GetTimestamp() - awakeSince);
            _wake.Wait();
            awakeSince = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Puts the calling thread under <c>SCHED_IDLE</c> (Linux; any user may lower a thread's policy).</summary>
    private static bool TryEnterIdleClass()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            var param = 0;
            return SchedSetScheduler(0, SchedIdle, ref param) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "sched_setscheduler")]
    private static extern int SchedSetScheduler(int pid, int policy, ref int param);
}
