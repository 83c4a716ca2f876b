using System.Collections.Concurrent;
using System.Globalization;
using MassRouter.LoadTests.Targets;

namespace MassRouter.LoadTests.Engine;

/// <summary>Runs a <see cref="LoadPhase"/>: closed model with N workers, or an open model whose latency counts from the intended start.</summary>
internal static class PhaseRunner
{
    public static async Task<PhaseResult> RunAsync(HttpClient client, LoadPhase phase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(phase);
        var startedAt = DateTimeOffset.UtcNow;
        var start = Clock.Now;
        var measureStart = start + Clock.Ticks(phase.Warmup);
        var end = measureStart + Clock.Ticks(phase.Duration);
        var stallTicks = Clock.Ticks(phase.StallThreshold);
        var timeline = new Timeline(start, (int)Math.Ceiling((phase.Warmup + phase.Duration + phase.Grace).TotalSeconds) + 1);
        var contexts = new ConcurrentBag<WorkerContext>();
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hardStop.CancelAfter(phase.Warmup + phase.Duration + phase.Grace);

        using var samplingStop = new CancellationTokenSource();
        var sampler = new ResourceSampler(client, phase.Pid, phase.MetricsUrl, measureStart);
        var sampling = sampler.RunAsync(phase.SampleInterval, samplingStop.Token);
        var cpuWindow = MeasureCpuAsync(phase.Pid, measureStart, end, hardStop.Token);

        long dropped;
        if (phase.IsOpen)
        {
            dropped = await RunOpenAsync(client, phase, contexts, start, measureStart, end, stallTicks, timeline, hardStop.Token);
        }
        else
        {
            await RunClosedAsync(client, phase, contexts, measureStart, end, stallTicks, timeline, hardStop.Token);
            dropped = 0;
        }

        var (cpuSeconds, _) = await cpuWindow;
        await samplingStop.CancelAsync();
        await sampling;
        var result = Summarize(phase, contexts, dropped, cpuSeconds, timeline, sampler.Samples);
        result.StartedAt = startedAt;
        return result;
    }

    private static async Task RunClosedAsync(
        HttpClient client, LoadPhase phase, ConcurrentBag<WorkerContext> contexts, long measureStart, long end, long stallTicks,
        Timeline timeline, CancellationToken cancellationToken)
    {
        var workload = phase.Workload;
        var workers = new Task[phase.Concurrency];
        var measured = 0;
        for (var w = 0; w < workers.Length; w++)
        {
            var context = new WorkerContext(workload, w + 1);
            contexts.Add(context);
            var delay = phase.StartStagger * ((double)w / workers.Length);
            workers[w] = Task.Run(
                async () =>
                {
                    if (delay > TimeSpan.Zero)
                    {
                        await Task.Delay(delay, cancellationToken);
                    }

                    // Past the window a worker goes on until one request was measured (within the grace): a pause of the
                    // machine as long as the window (seen on shared CI hosts) would otherwise leave the phase with no sample.
                    long now;
                    while (((now = Clock.Now) < end || Volatile.Read(ref measured) < phase.MinMeasured) && !cancellationToken.IsCancellationRequested)
                    {
                        var index = workload.Pick(context.Random);
                        var inWindow = now >= measureStart;
                        await Executor.ExecuteAsync(
                            client, workload.Templates[index], index, context, now, inWindow, stallTicks, timeline, cancellationToken);
                        if (inWindow)
                        {
                            Interlocked.Increment(ref measured);
                        }
                    }
                },
                cancellationToken);
        }

        try
        {
            await Task.WhenAll(workers);
        }
        catch (OperationCanceledException)
        {
            // The grace period ran out: what completed is reported, requests cut off were recorded as failed.
        }
    }

    private static async Task<long> RunOpenAsync(
        HttpClient client, LoadPhase phase, ConcurrentBag<WorkerContext> contexts, long start, long measureStart, long end, long stallTicks,
        Timeline timeline, CancellationToken cancellationToken)
    {
        var workload = phase.Workload;
        var pool = new ConcurrentBag<WorkerContext>();
        var inFlight = 0;
        long dropped = 0;
        var seed = 0;
        using var allDone = new SemaphoreSlim(0);
        var next = start;
        while (next < end && !cancellationToken.IsCancellationRequested)
        {
            var now = Clock.Now;
            if (next > now)
            {
                // Timer resolution is about a millisecond: requests due within it go out together, and their latency still
                // counts from the intended start (no coordinated omission).
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, Clock.Seconds(next - now) * 1000 - 0.5)), cancellationToken).ConfigureAwait(false);
                continue;
            }

            while (next <= now && next < end)
            {
                var intended = next;
                var rate = Math.Max(0.1, phase.RateAt!(Clock.Seconds(intended - measureStart)));
                next += (long)(System.Diagnostics.Stopwatch.Frequency / rate);
                if (Volatile.Read(ref inFlight) >= phase.MaxInFlight)
                {
                    if (intended >= measureStart)
                    {
                        dropped++;
                    }

                    continue;
                }

                if (!pool.TryTake(out var context))
                {
                    context = new WorkerContext(workload, Interlocked.Increment(ref seed));
                    contexts.Add(context);
                }

                Interlocked.Increment(ref inFlight);
                _ = SendOneAsync(client, workload, context, intended, intended >= measureStart, stallTicks, timeline, pool, () =>
                {
                    if (Interlocked.Decrement(ref inFlight) == 0)
                    {
                        allDone.Release();
                    }
                }, cancellationToken);
            }
        }

        while (Volatile.Read(ref inFlight) > 0)
        {
            try
            {
                await allDone.WaitAsync(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return dropped;
    }

    private static async Task SendOneAsync(
        HttpClient client, Workload workload, WorkerContext context, long intended, bool measured, long stallTicks, Timeline timeline,
        ConcurrentBag<WorkerContext> pool, Action done, CancellationToken cancellationToken)
    {
        try
        {
            var index = workload.Pick(context.Random);
            await Executor.ExecuteAsync(client, workload.Templates[index], index, context, intended, measured, stallTicks, timeline, cancellationToken);
        }
        finally
        {
            pool.Add(context);
            done();
        }
    }

    private static async Task<(double? Seconds, bool Complete)> MeasureCpuAsync(int? pid, long measureStart, long end, CancellationToken cancellationToken)
    {
        if (pid is null)
        {
            return (null, false);
        }

        try
        {
            await DelayUntil(measureStart, cancellationToken);
            var before = ProcessProbe.CpuSeconds(pid);
            await DelayUntil(end, cancellationToken);
            var after = ProcessProbe.CpuSeconds(pid);
            return (after - before, true);
        }
        catch (OperationCanceledException)
        {
            return (null, false);
        }
    }

    private static Task DelayUntil(long timestamp, CancellationToken cancellationToken)
    {
        var remaining = Clock.Seconds(timestamp - Clock.Now);
        return remaining <= 0 ? Task.CompletedTask : Task.Delay(TimeSpan.FromSeconds(remaining), cancellationToken);
    }

    private static PhaseResult Summarize(
        LoadPhase phase, ConcurrentBag<WorkerContext> contexts, long dropped, double? cpuSeconds, Timeline timeline, List<ResourceSample> resources)
    {
        var latency = Stats.NewHistogram();
        var ttft = Stats.NewHistogram();
        var gaps = Stats.NewHistogram();
        long ok = 0, failed = dropped, limited = 0, injected = 0, stalls = 0, contentFrames = 0;
        var statuses = new Dictionary<string, long>(StringComparer.Ordinal);
        var templates = new TemplateCounts[phase.Workload.Templates.Length];
        string? lastError = dropped > 0 ? $"{dropped} requests not sent: {phase.MaxInFlight} already in flight" : null;
        foreach (var context in contexts)
        {
            latency.Add(context.Latency);
            ttft.Add(context.Ttft);
            gaps.Add(context.Gaps);
            ok += context.Ok;
            failed += context.Failed;
            limited += context.Limited;
            injected += context.InjectedFailures;
            stalls += context.Stalls;
            contentFrames += context.ContentFrames;
            lastError ??= context.Failed > 0 ? context.LastError : null;
            foreach (var (status, count) in context.Statuses)
            {
                var key = status == 0 ? "error" : status.ToString(CultureInfo.InvariantCulture);
                statuses[key] = statuses.GetValueOrDefault(key) + count;
            }

            for (var i = 0; i < templates.Length; i++)
            {
                templates[i].Ok += context.PerTemplate[i].Ok;
                templates[i].Failed += context.PerTemplate[i].Failed;
                templates[i].Limited += context.PerTemplate[i].Limited;
            }
        }

        var requests = ok + failed + limited + injected;
        var seconds = phase.Duration.TotalSeconds;
        var templateSummaries = new Dictionary<string, TemplateSummary>(StringComparer.Ordinal);
        for (var i = 0; i < templates.Length; i++)
        {
            var label = phase.Workload.Templates[i].Label;
            var previous = templateSummaries.GetValueOrDefault(label) ?? new TemplateSummary(0, 0, 0);
            templateSummaries[label] = new TemplateSummary(previous.Ok + templates[i].Ok, previous.Failed + templates[i].Failed, previous.Limited + templates[i].Limited);
        }

        return new PhaseResult
        {
            Name = phase.Name,
            Model = phase.IsOpen ? "open" : "closed",
            Concurrency = phase.IsOpen ? 0 : phase.Concurrency,
            OfferedRps = phase.IsOpen ? Math.Round(AverageRate(phase), 1) : 0,
            WarmupSeconds = phase.Warmup.TotalSeconds,
            DurationSeconds = seconds,
            Requests = requests,
            Ok = ok,
            Failed = failed,
            Limited = limited,
            InjectedFailures = injected,
            Stalls = stalls,
            Rps = Math.Round(requests / seconds, 1),
            Latency = Percentiles.From(latency),
            Ttft = Percentiles.From(ttft),
            Gap = Percentiles.From(gaps),
            ContentFrames = contentFrames,
            FramesPerSecond = Math.Round(contentFrames / seconds, 1),
            CpuUsPerRequest = cpuSeconds is { } cpu && requests > 0 ? Math.Round(cpu * 1_000_000 / requests, 1) : null,
            CpuCores = cpuSeconds is { } used ? Math.Round(used / seconds, 3) : null,
            Statuses = statuses,
            Templates = templateSummaries,
            LastError = failed > 0 ? lastError : null,
            Timeline = timeline.Points((int)phase.Warmup.TotalSeconds),
            Resources = resources,
        };
    }

    private static double AverageRate(LoadPhase phase)
    {
        double sum = 0;
        var steps = Math.Max(1, (int)phase.Duration.TotalSeconds * 10);
        for (var i = 0; i < steps; i++)
        {
            sum += phase.RateAt!(phase.Duration.TotalSeconds * i / steps);
        }

        return sum / steps;
    }
}
