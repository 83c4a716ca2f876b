namespace MassRouter.Simulator.Generation;

/// <summary>Size and pacing of one generated answer: the options with the request's overrides applied.</summary>
internal readonly record struct GenerationSettings(int TimeToFirstTokenMs, int InterTokenIntervalMs, int Tokens, int ChunkSize)
{
    public int ChunkCount => Tokens == 0 ? 0 : (Tokens + ChunkSize - 1) / ChunkSize;
}
