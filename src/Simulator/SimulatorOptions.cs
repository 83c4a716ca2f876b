namespace MassRouter.Simulator;

/// <summary>Settings of the provider simulator: fixture root and the pacing and size of generated answers.</summary>
public sealed class SimulatorOptions
{
    /// <summary>The configuration section the standalone simulator binds these options from.</summary>
    public const string SectionName = "Simulator";

    /// <summary>Root folder holding <c>openai/</c>, <c>anthropic/</c>, ...; <see langword="null"/> disables fixture replay.</summary>
    public string? FixturesPath { get; set; }

    /// <summary>Delay before the first chunk of a generated answer, in milliseconds.</summary>
    public int TimeToFirstTokenMs { get; set; }

    /// <summary>Delay between content chunks of a generated answer, in milliseconds.</summary>
    public int InterTokenIntervalMs { get; set; }

    /// <summary>Content tokens per generated answer.</summary>
    public int Tokens { get; set; } = 16;

    /// <summary>Tokens per content chunk of a generated stream.</summary>
    public int ChunkSize { get; set; } = 1;
}
