using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Generation;
using Microsoft.Extensions.Primitives;

namespace MassRouter.Simulator.Control;

/// <summary>What the <c>x-sim-*</c> headers of one request ask for, resolved against the options.</summary>
internal readonly struct RequestControl
{
    private RequestControl(GenerationSettings generation, int replayTtftMs, int replayItlMs, FaultPlan? faults, string? fixture, bool earlyHeaders)
    {
        EarlyHeaders = earlyHeaders;
        Generation = generation;
        ReplayTimeToFirstTokenMs = replayTtftMs;
        ReplayInterTokenIntervalMs = replayItlMs;
        Faults = faults;
        FixturePath = fixture;
    }

    public GenerationSettings Generation { get; }

    /// <summary>Replays are paced by the headers only: without them a fixture is written as fast as possible.</summary>
    public int ReplayTimeToFirstTokenMs { get; }

    public int ReplayInterTokenIntervalMs { get; }

    public FaultPlan? Faults { get; }

    public string? FixturePath { get; }

    /// <summary><see cref="SimulatorHeaders.EarlyHeaders"/>.</summary>
    public bool EarlyHeaders { get; }

    public static bool TryRead(IHeaderDictionary headers, SimulatorOptions options, out RequestControl control, out HeaderError? error)
    {
        control = default;
        if (!TryReadInt(headers, SimulatorHeaders.TimeToFirstTokenMs, 0, out var ttft, out error)
            || !TryReadInt(headers, SimulatorHeaders.InterTokenIntervalMs, 0, out var itl, out error)
            || !TryReadInt(headers, SimulatorHeaders.Tokens, 0, out var tokens, out error)
            || !TryReadInt(headers, SimulatorHeaders.ChunkSize, 1, out var chunkSize, out error))
        {
            return false;
        }

        FaultPlan? faults = null;
        var faultHeader = headers[SimulatorHeaders.Fault];
        if (!StringValues.IsNullOrEmpty(faultHeader) && !FaultPlan.TryParse(faultHeader.ToString(), out faults, out var faultError))
        {
            error = new HeaderError(SimulatorHeaders.Fault, faultError);
            return false;
        }

        var fixture = headers[SimulatorHeaders.Fixture];
        var generation = new GenerationSettings(
            ttft ?? options.TimeToFirstTokenMs,
            itl ?? options.InterTokenIntervalMs,
            tokens ?? options.Tokens,
            chunkSize ?? options.ChunkSize);
        control = new RequestControl(
            generation,
            ttft ?? 0,
            itl ?? 0,
            faults,
            StringValues.IsNullOrEmpty(fixture) ? null : fixture.ToString(),
            string.Equals(headers[SimulatorHeaders.EarlyHeaders], "true", StringComparison.OrdinalIgnoreCase));
        return true;
    }

    private static bool TryReadInt(IHeaderDictionary headers, string name, int minimum, out int? value, out HeaderError? error)
    {
        value = null;
        error = null;
        var raw = headers[name];
        if (StringValues.IsNullOrEmpty(raw))
        {
            return true;
        }

        if (!int.TryParse(raw.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed)
            || parsed < minimum)
        {
            error = new HeaderError(name, $"{name} must be an integer of at least {minimum}, got '{raw}'.");
            return false;
        }

        value = parsed;
        return true;
    }
}
