namespace MassRouter.LoadTests.Engine;

/// <summary>What a phase measured (the JSON results carry it as is).</summary>
internal sealed class PhaseResult
{
    public required string Name { get; init; }

    public required string Model { get; init; }

    /// <summary>When the phase began (its warm-up included).</summary>
    public DateTimeOffset StartedAt { get; set; }

    public int Concurrency { get; init; }

    public double OfferedRps { get; init; }

    public double WarmupSeconds { get; init; }

    public double DurationSeconds { get; init; }

    /// <summary>Requests started inside the measured window.</summary>
    public long Requests { get; init; }

    public long Ok { get; init; }

    /// <summary>Failed requests that carried no injected fault (and open-model requests not sent because too many were in flight).</summary>
    public long Failed { get; init; }

    /// <summary>HTTP 429 answers.</summary>
    public long Limited { get; init; }

    /// <summary>Requests that failed because they asked the mock to fail.</summary>
    public long InjectedFailures { get; init; }

    public long Stalls { get; init; }

    public double Rps { get; init; }

    public required Percentiles Latency { get; init; }

    public required Percentiles Ttft { get; init; }

    public required Percentiles Gap { get; init; }

    public double FramesPerSecond { get; init; }

    public long ContentFrames { get; init; }

    /// <summary>Target CPU time (user + system) per measured request, microseconds.</summary>
    public double? CpuUsPerRequest { get; init; }

    /// <summary>Average cores the target used during the window.</summary>
    public double? CpuCores { get; init; }

    public Dictionary<string, long> Statuses { get; init; } = [];

    public Dictionary<string, TemplateSummary> Templates { get; init; } = [];

    public string? LastError { get; init; }

    public List<TimelinePoint> Timeline { get; init; } = [];

    public List<ResourceSample> Resources { get; init; } = [];

    public double ErrorRate => Requests == 0 ? 0 : (double)Failed / Requests;
}
