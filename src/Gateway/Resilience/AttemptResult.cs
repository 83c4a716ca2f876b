namespace MassRouter.Gateway.Resilience;

/// <summary>How one upstream attempt went, as the circuit breaker sees it.</summary>
internal enum AttemptResult
{
    /// <summary>The provider answered (including with a client error such as 400: the request's fault, not the provider's).</summary>
    Succeeded,

    /// <summary>Connect failure, timeout, retryable status or a stream cut off: counts against the deployment.</summary>
    Failed,

    /// <summary>The client left; says nothing about the provider.</summary>
    Abandoned,
}
