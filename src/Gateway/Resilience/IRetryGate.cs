namespace MassRouter.Gateway.Resilience;

/// <summary>Asked by an exchange that hit a retryable failure before any byte reached the client.</summary>
internal interface IRetryGate
{
    /// <summary>True when another attempt will be made: the failed answer is then dropped, not relayed.</summary>
    bool TryReserveRetry(int status, TimeSpan? retryAfter);
}
