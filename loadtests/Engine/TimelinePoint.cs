namespace MassRouter.LoadTests.Engine;

/// <summary>One second of a phase (negative during warm-up): completions, failures and latency in microseconds.</summary>
internal sealed record TimelinePoint(int Second, long Ok, long Failed, long P50Us, long P99Us);
