namespace MassRouter.Simulator.Control;

/// <summary>Request headers that steer the simulator per request; the gateway forwards them unchanged.</summary>
internal static class SimulatorHeaders
{
    public const string TimeToFirstTokenMs = "x-sim-ttft-ms";
    public const string InterTokenIntervalMs = "x-sim-itl-ms";
    public const string Tokens = "x-sim-tokens";
    public const string ChunkSize = "x-sim-chunk-size";
    public const string Fixture = "x-sim-fixture";
    public const string Fault = "x-sim-fault";

    /// <summary>
    /// <c>true</c>: an OpenAI chat stream's status and headers go at once, its first event after the time to first token
    /// (a provider answering before a reasoning model has thought); without it they go with the first event (as Azure
    /// OpenAI holds them).
    /// </summary>
    public const string EarlyHeaders = "x-sim-early-headers";
    public const string RequestId = "x-sim-request-id";
}
