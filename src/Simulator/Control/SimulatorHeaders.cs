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
    public const string RequestId = "x-sim-request-id";
}
