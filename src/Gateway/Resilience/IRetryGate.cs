namespace MassRouter.Gateway.Resilience;

/// <summary>Asked by an exchange that hit a retryable failure before any byte reached the client.</summary>
internal interface IRetryGate
{
    /// <summary>True when another attempt will be made: the failed answer is then dropped, not relayed.</summary>
    bool TryReserveRetry(int status, TimeSpan? retryAfter);

    /// <summary>Whether the plan has another deployment an attempt could still move to (no retry of the same one).</summary>
    bool HasFallback { get; }

    /// <summary>
    /// True when the request moves on to the plan's next deployment after a client error another deployment may not give
    /// (a request too long for this model's context): never a retry of this one, and not a failure of its deployment.
    /// </summary>
    bool TryFallBack(string reason);
}
