namespace MassRouter.LoadTests.Board;

/// <summary>The streams-sustained verdict of one target.</summary>
/// <param name="Sustained">Highest concurrency where every frame arrived, nothing stalled and errors stayed under 0.1%.</param>
/// <param name="CeilingReached">The sweep's top step passed: the target may sustain more.</param>
internal sealed record StreamSweepResult(int Sustained, double FramesPerSecond, bool CeilingReached);
