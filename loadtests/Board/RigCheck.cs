using System.Globalization;

namespace MassRouter.LoadTests.Board;

/// <summary>
/// How much the rig itself (the mock, the generator, the machine) added in this run, read from the direct baseline: the
/// mock's own tail over its answer delay, and its streams' gap over their pacing. Every target's figures include it; when
/// it is large, tight bounds cannot be met by any target, and the run says so instead of leaving a reader to blame them.
/// </summary>
/// <param name="MockTailOverDelayUs">Direct's p99 at the frontier's first step (concurrency 1) minus the mock's delay.</param>
/// <param name="MockGapOverPacingUs">Direct's inter-frame gap p99 at concurrency 1 minus the pacing.</param>
/// <param name="Warnings">What the figures make unreadable in this run; empty on a quiet rig.</param>
internal sealed record RigCheck(long? MockTailOverDelayUs, long? MockGapOverPacingUs, IReadOnlyList<string> Warnings)
{
    /// <summary>
    /// The mock's own tail over its delay that makes a bound unreadable: past half the bound, a target that adds nothing
    /// at all has half its budget spent by the rig.
    /// </summary>
    public const double TailShareOfBound = 0.5;

    /// <summary>The mock's own gap over its pacing past which the streaming gap figures measure the rig: a tenth of the pacing.</summary>
    public const double GapShareOfPacing = 0.1;

    public static RigCheck From(TargetResult? direct, BoardSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var tail = direct?.Frontier.FirstOrDefault() is { Ok: > 0 } first ? first.Latency.P99Us - (settings.FrontierDelayMs * 1000L) : (long?)null;
        var gap = direct?.StreamLatency is { Ok: > 0 } stream ? stream.Gap.P99Us - (settings.StreamIntervalMs * 1000L) : (long?)null;
        var warnings = new List<string>();
        if (tail is { } over)
        {
            var unreadable = settings.BoundsMs.Where(bound => !double.IsPositiveInfinity(bound) && over > bound * 1000 * TailShareOfBound).ToList();
            if (unreadable.Count > 0)
            {
                warnings.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"the mock alone answered {over / 1000.0:0.0} ms over its {settings.FrontierDelayMs} ms delay at p99 (concurrency 1): the {string.Join(", ", unreadable)} ms bounds measure the rig, not the targets"));
            }
        }

        if (gap is { } excess && excess > settings.StreamIntervalMs * 1000 * GapShareOfPacing)
        {
            warnings.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"the mock's own streams had a gap p99 {excess / 1000.0:0.0} ms over their {settings.StreamIntervalMs} ms pacing: the added inter-frame figures measure the rig"));
        }

        return new RigCheck(tail, gap, warnings);
    }
}
