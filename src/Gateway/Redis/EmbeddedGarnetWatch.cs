using System.Globalization;
using StackExchange.Redis;

namespace MassRouter.Gateway.Redis;

/// <summary>
/// Watches how much of its memory budget (<c>MassRouter:Metering:EmbeddedMemory</c>) the embedded Garnet holds, and says
/// so loudly well before it is full: Garnet without a storage tier is a cache, and once its log (records and the heap of
/// its lists and hashes) outgrows the budget it silently drops its oldest records. Here those are the ones that must
/// never go: account balances, key records, the queued usage events. What grows is nearly always the usage outbox, when
/// no ledger flusher drains it (measured: with the former 64 MiB budget and no flusher, ~140,000 requests emptied the
/// account's balance and the outbox).
/// </summary>
/// <remarks>Garnet's storage tier (spill to disk) is not used: Garnet 2.2.8's flush of object pages fails intermittently
/// (IndexOutOfRangeException, partial-sector read-backs) and then stops the process.</remarks>
internal sealed partial class EmbeddedGarnetWatch(EmbeddedGarnet garnet, TimeProvider time, ILogger<EmbeddedGarnetWatch> logger)
    : BackgroundService
{
    /// <summary>How often the store's size is read (one <c>INFO store</c>).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>Share of the budget at which a warning is logged.</summary>
    public const double WarnAt = 0.5;

    /// <summary>Share of the budget at which an error is logged.</summary>
    public const double AlarmAt = 0.8;

    /// <summary>Share of the budget under which the warnings are armed again.</summary>
    public const double RearmBelow = 0.4;

    private ConnectionMultiplexer? _admin;
    private int _level;

    /// <summary>Bytes the store held at the last reading (log pages in memory and the heap of its objects).</summary>
    public long UsedBytes { get; private set; }

    /// <summary>The store's memory budget, from the last reading.</summary>
    public long BudgetBytes { get; private set; }

    /// <summary>Exposes the last reading: <c>massrouter_embedded_store_bytes</c> and <c>massrouter_embedded_store_budget_bytes</c>.</summary>
    public void RegisterMetrics(Prometheus.CollectorRegistry registry)
    {
        var factory = Telemetry.GatewayMetrics.Factory(registry);
        var used = factory.CreateGauge(
            "massrouter_embedded_store_bytes", "Memory the embedded Garnet holds (log pages and its objects' heap), read every 10 s; it drops its oldest records past the budget.");
        var budget = factory.CreateGauge("massrouter_embedded_store_budget_bytes", "The embedded Garnet's memory budget (MassRouter:Metering:EmbeddedMemory).");
        registry.AddBeforeCollectCallback(() =>
        {
            used.Set(UsedBytes);
            budget.Set(BudgetBytes);
        });
    }

    /// <summary>Reads the store's size once and logs a warning or an error as it crosses a threshold.</summary>
    public async Task SampleAsync()
    {
        // INFO is an admin command to StackExchange.Redis: a connection of its own (loopback, in-process) rather than
        // admin rights on the request path's.
        _admin ??= await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString + ",allowAdmin=true,abortConnect=false");
        var info = await _admin.GetServer(_admin.GetEndPoints()[0]).InfoRawAsync("store");
        if (info is not null && TryParse(info, out var used, out var budget))
        {
            Observe(used, budget);
        }
    }

    /// <summary>Records a reading; logs when it crosses <see cref="WarnAt"/> or <see cref="AlarmAt"/> upwards (once each until it falls under <see cref="RearmBelow"/>).</summary>
    internal void Observe(long used, long budget)
    {
        UsedBytes = used;
        BudgetBytes = budget;
        if (budget <= 0)
        {
            return;
        }

        var share = (double)used / budget;
        if (share >= AlarmAt && _level < 2)
        {
            _level = 2;
            LogAlarm(Mib(used), Mib(budget));
        }
        else if (share >= WarnAt && _level < 1)
        {
            _level = 1;
            LogWarning(Mib(used), Mib(budget));
        }
        else if (share < RearmBelow)
        {
            _level = 0;
        }
    }

    /// <summary>Reads the in-memory log, its objects' heap and the budget from Garnet's <c>INFO store</c>.</summary>
    internal static bool TryParse(string info, out long used, out long budget)
    {
        long memory = -1, heap = -1;
        budget = -1;
        foreach (var line in info.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || !long.TryParse(line.AsSpan(colon + 1).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            switch (line[..colon])
            {
                case "Log.CurrentMemorySizeBytes":
                    memory = value;
                    break;
                case "Log.CurrentHeapSizeBytes":
                    heap = value;
                    break;
                case "Log.MaxMemorySizeBytes":
                    budget = value;
                    break;
            }
        }

        used = memory + heap;
        return memory >= 0 && heap >= 0 && budget > 0;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    await SampleAsync();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Read again at the next tick: a watch must never stop the host (an unhandled exception in a
                    // background service does).
                    LogSampleFailed(ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _admin?.Dispose();
    }

    private static long Mib(long bytes) => bytes / (1024 * 1024);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The embedded Garnet's size could not be read: {Error}")]
    private partial void LogSampleFailed(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The embedded Garnet holds {UsedMiB} MiB of its {BudgetMiB} MiB budget (MassRouter:Metering:EmbeddedMemory). Past the budget it drops its oldest records: account balances, key records, queued usage. Usually the usage outbox is growing: is a ledger flusher (the control API) draining it?")]
    private partial void LogWarning(long usedMiB, long budgetMiB);

    [LoggerMessage(Level = LogLevel.Error, Message = "The embedded Garnet holds {UsedMiB} MiB of its {BudgetMiB} MiB budget (MassRouter:Metering:EmbeddedMemory) and drops its oldest records (account balances, key records, queued usage) once full. Drain the usage outbox (run the control API's ledger flusher), raise the budget, or meter into Redis (MassRouter:Redis).")]
    private partial void LogAlarm(long usedMiB, long budgetMiB);
}
