namespace MassRouter.LoadTests.Scenarios;

/// <summary>Knobs shared by the load-tester scenarios; unset values take each scenario's defaults.</summary>
internal sealed record ScenarioOptions
{
    /// <summary>A second or two, tiny loads and a fast mock: proves the scenario runs, times nothing.</summary>
    public bool Smoke { get; init; }

    public TimeSpan? Duration { get; init; }

    public TimeSpan? Warmup { get; init; }

    public int? Concurrency { get; init; }

    /// <summary>Open-model scenarios: the base (spike) or peak (ramp) arrival rate.</summary>
    public double? Rate { get; init; }

    /// <summary>Models to spread the mixed workloads over; empty means the target's model.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>API keys for the rate-limit scenario; empty means the target's own key.</summary>
    public IReadOnlyList<string> Keys { get; init; } = [];
}
